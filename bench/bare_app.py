"""B, the baseline of bench/hot_path.py: a bare Sanic app answering `{"ok": true}`.

Same Sanic and Python as the server, one worker, no access log: what the framework
itself costs per request on this machine, measured in the same run as our routes.
"""

from sanic import Sanic
from sanic.response import json

app = Sanic("bare")
app.config.ACCESS_LOG = False


@app.route("/ok", methods=["GET", "POST"])
async def ok(request):
    return json({"ok": True})
