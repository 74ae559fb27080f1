"""`kubelab web`: the lab served to a browser (textual's web driver over a websocket to xterm.js).

Each browser tab runs its own `python -m kubelab` process; every request needs the secret token.
Nothing here imports textual: the app runs in those processes, not in the server.
"""
