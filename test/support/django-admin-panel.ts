import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startForegroundServer } from './foreground-server.ts'
import { freePort } from './free-port.ts'
import type { RealPanel } from './panel-drivers.ts'

/**
 * A real Django admin (Debian's python3-django, 3.2) on a free loopback port, in its own temp dir:
 * a two-file project (settings, urls), SQLite, two staff superusers, `runserver`. Debian installs
 * Django for /usr/bin/python3 only; the `python3` on PATH may be another interpreter without it.
 */
const python = '/usr/bin/python3'

const users = {
  admin: { username: 'admin', password: 'admin-secret-1' },
  editor: { username: 'editor', password: 'editor-secret-2' },
}

export interface DjangoAdminPanel extends RealPanel {
  /** Runs Python in the panel's project (`django-admin shell -c`); resolves with what it printed. */
  shell(code: string): Promise<string>
  /** Who added the group, from the admin's own action log; null when nobody did. */
  whoAddedGroup(name: string): Promise<string | null>
}

export interface DjangoAdminOptions {
  /**
   * Stock Django greets a user by first name when they have one (`first name`). `username` overrides
   * the admin's welcome line to show the login name, as docs/guides/django-admin.md advises, so that
   * tapgate's identity check reads the name the panel signed in.
   */
  welcome?: 'first name' | 'username'
}

const settings = `import os
BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = 'throwaway-test-panel-key-not-a-secret-0123456789'
DEBUG = False
ALLOWED_HOSTS = ['*']
INSTALLED_APPS = [
    'django.contrib.admin', 'django.contrib.auth', 'django.contrib.contenttypes',
    'django.contrib.sessions', 'django.contrib.messages', 'django.contrib.staticfiles',
]
MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
    'django.contrib.messages.middleware.MessageMiddleware',
    'django.middleware.clickjacking.XFrameOptionsMiddleware',
]
ROOT_URLCONF = 'panel_urls'
TEMPLATES = [{
    'BACKEND': 'django.template.backends.django.DjangoTemplates',
    'DIRS': [os.path.join(BASE_DIR, 'templates')],
    'APP_DIRS': True,
    'OPTIONS': {'context_processors': [
        'django.template.context_processors.request',
        'django.contrib.auth.context_processors.auth',
        'django.contrib.messages.context_processors.messages',
    ]},
}]
DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': os.path.join(BASE_DIR, 'db.sqlite3')}}
STATIC_URL = '/static/'
USE_TZ = True
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'
`

const urls = `from django.contrib import admin
from django.urls import path

urlpatterns = [path('admin/', admin.site.urls)]
`

/** The admin's base_site.html with the welcome line naming the login (docs/guides/django-admin.md). */
const welcomeByUsername = `{% extends "admin/base.html" %}
{% load i18n %}
{% block title %}{% if subtitle %}{{ subtitle }} | {% endif %}{{ title }} | {{ site_title|default:_('Django site admin') }}{% endblock %}
{% block branding %}<h1 id="site-name"><a href="{% url 'admin:index' %}">{{ site_header|default:_('Django administration') }}</a></h1>{% endblock %}
{% block welcome-msg %}{% translate 'Welcome,' %} <strong>{{ user.get_username }}</strong>.{% endblock %}
{% block nav-global %}{% endblock %}
`

/** Migrating and hashing two passwords take about a second: done once per test process, then copied. */
const prepare = `import os, django
django.setup()
from django.core.management import call_command
call_command('migrate', verbosity=0)
for name, password in ${JSON.stringify(Object.values(users).map((u) => [u.username, u.password]))}:
    os.environ['DJANGO_SUPERUSER_PASSWORD'] = password
    call_command('createsuperuser', interactive=False, username=name, email=name + '@example.test', verbosity=0)
`

let preparedDatabase: Promise<Buffer> | undefined

function pythonEnv(dir: string): NodeJS.ProcessEnv {
  // Not the caller's environment: a pyenv shim's PYTHONPATH or PYTHONHOME would hide Debian's Django.
  return {
    PATH: process.env.PATH,
    HOME: dir,
    LANG: 'C.UTF-8',
    PYTHONPATH: dir,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    DJANGO_SETTINGS_MODULE: 'panel_settings',
  }
}

async function writeProject(dir: string): Promise<void> {
  await writeFile(join(dir, 'panel_settings.py'), settings)
  await writeFile(join(dir, 'panel_urls.py'), urls)
}

/** The migrated SQLite file with both users, kept in memory: no directory outlives the test process. */
function migratedDatabase(): Promise<Buffer> {
  preparedDatabase ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tapgate-django-prepare-'))
    try {
      await writeProject(dir)
      await promisify(execFile)(python, ['-c', prepare], { cwd: dir, env: pythonEnv(dir) })
      return await readFile(join(dir, 'db.sqlite3'))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })()
  return preparedDatabase
}

export async function startDjangoAdmin(options: DjangoAdminOptions = {}): Promise<DjangoAdminPanel> {
  const database = await migratedDatabase()
  const dir = await mkdtemp(join(tmpdir(), 'tapgate-django-'))
  await writeProject(dir)
  await writeFile(join(dir, 'db.sqlite3'), database)
  await mkdir(join(dir, 'templates', 'admin'), { recursive: true })
  if (options.welcome === 'username') {
    await writeFile(join(dir, 'templates', 'admin', 'base_site.html'), welcomeByUsername)
  }
  const env = pythonEnv(dir)
  const port = await freePort()
  const server = await startForegroundServer({
    name: 'django runserver',
    command: python,
    // --insecure: the admin's stylesheets are served with DEBUG off, as a real deployment's web server would.
    args: ['-m', 'django', 'runserver', '--noreload', '--insecure', `127.0.0.1:${port}`],
    port,
    env,
    stopSignal: 'SIGTERM',
    cleanUp: () => rm(dir, { recursive: true, force: true }),
  })
  async function shell(code: string): Promise<string> {
    const { stdout } = await promisify(execFile)(python, ['-m', 'django', 'shell', '-c', code], {
      cwd: dir,
      env,
    })
    return stdout
  }
  return {
    url: server.url,
    users,
    stop: () => server.stop(),
    shell,
    async whoAddedGroup(name) {
      const printed = await shell(
        'from django.contrib.admin.models import LogEntry, ADDITION\n' +
          `entry = LogEntry.objects.filter(action_flag=ADDITION, content_type__model='group', object_repr=${JSON.stringify(name)}).first()\n` +
          "print(entry.user.username if entry else '')",
      )
      return printed.trim() || null
    },
  }
}
