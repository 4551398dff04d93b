"""moto's ordinary requests answered without Flask, with the answer Flask would give.

EmbeddedServer (server.py) wraps moto's dispatcher in MotoWithoutFlask unless
LABKIT_MOTO_FAST_PATH=0; tests/conformance/test_moto_fast_path.py sends the same requests both
ways and compares status, headers and bodies.
"""
from __future__ import annotations

import functools


# sent in Flask's request and app contexts; a receiver would miss the calls answered below
_FLASK_SIGNALS = ("request_started", "request_finished", "request_tearing_down",
                  "got_request_exception", "appcontext_pushed", "appcontext_popped",
                  "appcontext_tearing_down")
# All create_url_adapter, match read to find a rule (werkzeug 3.1 routing/map.py, wsgi.get_host)
_ROUTING_ENVIRON = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT",
                    "HTTP_CONNECTION", "HTTP_UPGRADE", "SCRIPT_NAME", "PATH_INFO", "REQUEST_METHOD")
_REWRITTEN = frozenset(("content-length", "location", "content-location"))  # werkzeug rewrites
_ACAO = "access-control-allow-origin"


class MotoWithoutFlask:
    """moto's DomainDispatcherApplication, answering moto's ordinary requests without Flask:
    its contexts, session, dispatch, signals and flask-cors's after_request cost ~100 of the
    ~450 us of CPU moto's WSGI app spends on a SendMessage or a PutItem (measured in process),
    and change nothing for moto's views (convert_to_flask_response reads only the request;
    without an Origin header flask-cors adds the same headers to every response).

    It does what they do (moto 5.2.5, Flask 3.1, flask-cors 6, werkzeug 3.1): moto's
    moto_server/werkzeug_app.py (DomainDispatcherApplication.__call__) and core/utils.py
    (convert_to_flask_response.__call__), Flask's ctx.py (RequestContext) and app.py
    (handle_user_exception: an HTTPException is its own response unless trapped; any other
    exception propagates, as in debug mode), remembering routes (`_route`), root_url and how
    flask.Response words a plain answer (`_plain_answer`). test_moto_fast_path.py proves the
    status, headers (in order) and body equal. Flask still answers: an Origin header, OPTIONS,
    Access-Control-Request-Private-Network (flask-cors answers per request), no route (404,
    405), an app with hooks or non-default config (`_headers_flask_would_add`), /moto-api
    (templates), a receiver of Flask's signals; and all with LABKIT_MOTO_FAST_PATH=0.
    """

    def __init__(self, dispatcher) -> None:
        import flask
        from botocore.exceptions import ClientError
        from moto.core.request import normalize_request
        from moto.core.utils import convert_to_flask_response
        from moto.moto_api import recorder
        from werkzeug.exceptions import HTTPException
        from werkzeug.http import HTTP_STATUS_CODES
        from werkzeug.sansio.utils import get_current_url
        from werkzeug.utils import get_content_type

        self.dispatcher, self._cors, self._routes = dispatcher, {}, {}
        # request.raw_url, given to moto, is made from werkzeug's root_url, which the pure
        # get_current_url builds and parses back (uri_to_iri, IDNA) per request: ~7 us
        self._root_url = functools.lru_cache(64)(get_current_url)
        self._status_lines = {code: f"{code} {text.upper()}" for code, text  # with a body
                              in HTTP_STATUS_CODES.items() if code > 199 and code not in (204, 304)}
        self._default_type = get_content_type(flask.Response.default_mimetype, "utf-8")
        self._signals = [getattr(flask.signals, name) for name in _FLASK_SIGNALS]
        self._view_type, self._normalize, self._recorder, self._response = (
            convert_to_flask_response, normalize_request, recorder, flask.Response)
        self._client_error, self._http_error = ClientError, HTTPException

    def __call__(self, environ, start_response):
        app = self.dispatcher.get_application(environ)
        cors = self._cors.get(app, False)
        if cors is False:
            cors = self._cors[app] = _headers_flask_would_add(app)
        if (cors is None or environ.get("REQUEST_METHOD") == "OPTIONS" or "HTTP_ORIGIN" in environ
                or "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK" in environ
                or any(signal.receivers for signal in self._signals)):
            return app(environ, start_response)
        request = app.request_class(environ)
        request.json_module = app.json
        route = self._route(app, request)
        view = route and app.view_functions.get(route[0].endpoint)
        if not isinstance(view, self._view_type):  # no route (404, 405, redirect) or not moto's
            return app(environ, start_response)
        request.url_rule, request.view_args = route
        request.root_url = self._root_url(request.scheme, request.host, request.root_path)
        try:
            try:
                answer = self._moto_answer(view.callback, request)
            except self._http_error as e:
                if app.trap_http_exception(e):  # in debug mode a BadRequestKeyError: it propagates
                    raise
                answer = app.response_class.force_type(e, environ)
            if isinstance(answer, tuple):  # from _plain_answer
                status, headers, body = answer
                if not next((v for k, v in headers if k.lower() == _ACAO), None):
                    headers += cors  # as flask-cors: unless the first such header has a value
                start_response(status, headers)
                return [body]
            if not answer.headers.get(_ACAO):
                for name, value in cors:
                    answer.headers.add(name, value)
            return answer(environ, start_response)
        finally:
            request.close()  # as Flask's RequestContext.pop: uploaded files

    def _route(self, app, request):
        """Flask's app.create_url_adapter(request).match(return_rule=True), None where it raises:
        ~8 us, so a rule found is kept for the same values of all they read of the environ."""
        key = (app, *map(request.environ.get, _ROUTING_ENVIRON))
        route = self._routes.get(key)
        if route is None:
            try:
                route = app.create_url_adapter(request).match(return_rule=True)
            except self._http_error:
                return None
            if len(self._routes) >= 1024:  # paths naming functions, objects, ...
                self._routes.clear()
            self._routes[key] = route
        return route[0], dict(route[1])  # view_args: a dict of its own, as a match gives

    def _moto_answer(self, callback, request):
        """convert_to_flask_response.__call__ given the request: a Response, or _plain_answer's."""
        try:
            request = self._normalize(request)
            self._recorder._record_request(request)
            result = callback(request, request.raw_url, dict(request.headers))
        except self._client_error as exc:
            result = 400, {}, exc.response["Error"]["Message"]
        status, headers, content = result if len(result) == 3 else (200, {}, result)
        if request.method != "HEAD" and (plain := self._plain_answer(status, headers, content)):
            return plain
        response = self._response(response=content, status=status, headers=headers)
        if request.method == "HEAD" and "content-length" in headers:
            response.headers["Content-Length"] = headers["content-length"]
        return response

    def _plain_answer(self, status, headers, content) -> tuple[str, list, bytes] | None:
        """What flask.Response(content, status, headers) sends (werkzeug 3.1 wrappers/response.py:
        __init__, set_data, get_wsgi_headers), without its ~14 us: the headers, int values as
        str, its Content-Type if none is given, Content-Length. None (the Response answers)
        but for a status with a body, str or bytes, a dict of str or int values (no newline:
        werkzeug raises) and no header it rewrites (_REWRITTEN)."""
        status_line = self._status_lines.get(status) if type(status) is int else None
        if status_line is None or type(content) not in (str, bytes) or type(headers) is not dict:
            return None
        listed, typed = [], False
        for name, value in headers.items():
            value = str(value) if type(value) is int else value
            if (type(name) is not str or type(value) is not str or "\n" in value or "\r" in value
                    or name.lower() in _REWRITTEN):
                return None
            typed = typed or name.lower() == "content-type"
            listed.append((name, value))
        body = content.encode() if type(content) is str else content
        if not typed:
            listed.append(("Content-Type", self._default_type))
        listed.append(("Content-Length", str(len(body))))
        return status_line, listed, body


def _headers_flask_would_add(app) -> list[tuple[str, str]] | None:
    """flask-cors's headers for a request without an Origin header ([] without CORS); None
    unless the app is as moto's create_backend_app makes it, in Flask's default config (what
    flask.Request reads of it is werkzeug's default outside an app; exceptions propagate)."""
    import flask
    from moto.moto_server.werkzeug_app import BackendRequest

    config, propagate = app.config, app.config["PROPAGATE_EXCEPTIONS"]
    if not (getattr(app, "service", None) not in (None, "moto_api")
            and app.request_class is BackendRequest and app.response_class is flask.Response
            and flask.Response.automatically_set_content_length
            and not (app.before_request_funcs or app.url_value_preprocessors or app.secret_key
                     or app.teardown_request_funcs or app.teardown_appcontext_funcs
                     or app.url_map.host_matching or app.subdomain_matching
                     or set(app.after_request_funcs) - {None}
                     or any(any(spec.values()) for spec in app.error_handler_spec.values()))
            and config["MAX_CONTENT_LENGTH"] is None and config["MAX_FORM_PARTS"] == 1000
            and config["TRUSTED_HOSTS"] is None
            and (propagate or (propagate is None and (app.testing or app.debug)))):
        return None
    hooks = app.after_request_funcs.get(None, [])
    if not hooks or len(hooks) != 1 or hooks[0].__module__ != "flask_cors.extension":
        return None if hooks else []
    added = []
    for path in ("/", "/any/path%20at/all"):  # moto's CORS(app): resources r"/*", every path
        with app.test_request_context(path, method="POST"):
            response = app.response_class()
            before = list(response.headers)
            headers = list(hooks[0](response).headers)
        if headers[:len(before)] != before:
            return None
        added.append(headers[len(before):])
    return added[0] if added[0] == added[1] else None
