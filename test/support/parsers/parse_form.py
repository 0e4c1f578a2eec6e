"""Login requests read as Django 3.2 reads them, one JSON line in and one out per request.

In: {"contentType": str|None, "body": base64, "query": "a=b...", "field": "username"}. Each goes
through a real WSGIRequest, so Django's own content-type dispatch, QueryDict (urlencoded body and
query) and MultiPartParser decide; a JSON body is read with json.loads, as a panel taking JSON does.
Out: the names Django read, the value of the field (request.POST's, else request.GET's, the last of
duplicates), what a form makes of it (CharField strips it; AuthenticationForm's UsernameField strips
it, then NFKC-normalises it), and how many values the field has when names are compared without
case. Strings go back as base64-encoded UTF-8, so that a U+FFFD Django put in place of a bad byte is
compared exactly.
"""
import base64
import io
import json
import sys

from django.conf import settings

settings.configure(
    INSTALLED_APPS=['django.contrib.auth', 'django.contrib.contenttypes'],
    SECRET_KEY='differential tests only',
    FILE_UPLOAD_HANDLERS=['django.core.files.uploadhandler.MemoryFileUploadHandler'],
)
import django  # noqa: E402

django.setup()
from django.contrib.auth.forms import UsernameField  # noqa: E402
from django.core.exceptions import SuspiciousOperation, ValidationError  # noqa: E402
from django.core.handlers.wsgi import WSGIRequest  # noqa: E402
from django.utils.datastructures import MultiValueDict  # noqa: E402


def encoded(text):
    return base64.b64encode(text.encode('utf-8', 'surrogatepass')).decode('ascii')


def request_for(case):
    body = base64.b64decode(case['body'])
    environ = {
        'REQUEST_METHOD': 'POST',
        'PATH_INFO': '/login',
        # PEP 3333: the query string's bytes, one character each.
        'QUERY_STRING': case['query'],
        'CONTENT_LENGTH': str(len(body)),
        'wsgi.input': io.BytesIO(body),
        'SERVER_NAME': 'panel',
        'SERVER_PORT': '80',
        'wsgi.url_scheme': 'http',
    }
    if case['contentType'] is not None:
        environ['CONTENT_TYPE'] = case['contentType']
    return WSGIRequest(environ)


def posted(request):
    """request.POST, or the members of a JSON object body."""
    if request.content_type.lower() != 'application/json':
        return request.POST
    try:
        data = json.loads(request.body)
    except ValueError:
        return MultiValueDict()
    if not isinstance(data, dict):
        return MultiValueDict()
    return MultiValueDict({key: [value] for key, value in data.items()})


def answer(case):
    field = case['field']
    request = request_for(case)
    try:
        sources = [posted(request), request.GET, request.FILES]
    except SuspiciousOperation as error:
        # Too many fields or files: Django answers 400 Bad Request.
        return {'keys': [], 'value': None, 'matches': 0, 'error': type(error).__name__}
    value = None
    for source in sources[:2]:
        if field in source:
            value = source[field]
            break
    reading = None
    if isinstance(value, str):
        try:
            form_username = encoded(UsernameField().clean(value))
        except ValidationError:
            form_username = None
        reading = {
            'string': encoded(value),
            'stripped': encoded(value.strip()),
            'formUsername': form_username,
        }
    elif value is not None:
        reading = {'other': True}
    return {
        'keys': [encoded(key) for source in sources for key in source.keys()],
        'value': reading,
        'matches': sum(
            len(source.getlist(key))
            for source in sources
            for key in source.keys()
            if key.lower() == field.lower()
        ),
        'error': None,
    }


for line in sys.stdin:
    print(json.dumps(answer(json.loads(line))), flush=True)
