"""The embedded demo county portal: content (``site``) and a loopback server (``server``)."""
