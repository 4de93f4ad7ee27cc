"""gunicorn config (-c): threaded workers that keep connections alive.

Sync workers close every connection and wait (up to 2 s, gunicorn >= 23) for the client to
close its side first; on a busy 2-core machine that wait keeps workers idle while requests
queue. gthread workers serve keep-alive connections from a poll loop instead. The keep-alive
timeout is longer than clients' own idle limit (httpx 5 s, aiohttp 15 s, browsers and
proxies 60 s or more are closed by the client side first... or reused), so a client never
sends a request on a connection the server has just closed.

    gunicorn -c bench/gthread_keepalive.py 'quizapp:create_app()'
    python bench/load.py --gunicorn-config bench/gthread_keepalive.py ...
"""

worker_class = "gthread"
threads = 4
keepalive = 75
