"""The `stepdeck` command line.

Every command imports its machinery lazily, so `stepdeck --help` and the
app's cold start pay only for what they use.
"""

from __future__ import annotations

import functools
import gc
import sys

import click

from tui import __version__

IMAGE_CHOICES = click.Choice(["auto", "tgp", "sixel", "halfcell", "unicode", "none"])


def _engine_options(f, *, pool: bool = True):
    if pool:
        f = click.option(
            "--per-endpoint",
            "endpoint_limit",
            type=click.IntRange(min=0),
            default=None,
            metavar="N",
            help="At most N sessions on each browser endpoint (0: no limit).",
        )(f)
        f = click.option(
            "--ws-endpoint",
            "ws_endpoints",
            multiple=True,
            metavar="WS_URL",
            help="A Playwright server (playwright run-server, Browserless, Moon); repeatable.",
        )(f)
    f = click.option(
        "--cdp-url",
        default=None,
        multiple=pool,
        help="Attach to a running browser (ws://… or http://…)"
        + ("; repeat it for a pool of browsers." if pool else "."),
    )(f)
    f = click.option("--headed", is_flag=True, help="Show the browser window (full Chromium).")(f)
    f = click.option("--chromium", default=None, help="Path to a Chromium binary.")(f)
    return f


def _trace_option(f):
    return click.option(
        "--trace",
        is_flag=True,
        help="Record a Playwright trace of every embedded-engine session (see `export`).",
    )(f)


def _app_options(f):
    f = _trace_option(f)
    # The engine's refusal of a file: url names this flag: the app takes it too.
    f = click.option("--allow-file", is_flag=True, help="Allow file: urls.")(f)
    f = click.option(
        "--profile",
        default=None,
        metavar="NAME",
        help="Open the first session from a saved profile (`stepdeck profile list`).",
    )(f)
    f = click.option(
        "--images",
        type=IMAGE_CHOICES,
        default=None,
        help="Screenshot renderer: auto (detect), tgp (Kitty), sixel, halfcell, unicode, none.",
    )(f)
    f = click.option(
        "--connect",
        "connect",
        default=None,
        metavar="URL",
        help="Attach to a running `stepdeck serve` (e.g. http://127.0.0.1:8390).",
    )(f)
    return _engine_options(f)


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="stepdeck")
@_app_options
@click.pass_context
def main(ctx: click.Context, **options) -> None:
    """stepdeck: a terminal cockpit for browser sessions.

    Without a command, opens the app.
    """
    if ctx.invoked_subcommand is None:
        gc.disable()  # no garbage collection before the app's first frame (run_app)
        from tui.ui.launch import run_app

        sys.exit(run_app(**options))


@main.command()
@_app_options
def demo(**options) -> None:
    """Open the app with one session on the bundled demo site."""
    gc.disable()  # no garbage collection before the app's first frame (run_app)
    from tui.ui.launch import run_app

    sys.exit(run_app(demo=True, **options))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8390, show_default=True, type=int)
@click.option("--allow-remote", is_flag=True, help="Allow binding to a non-loopback address.")
@_trace_option
@_engine_options
def serve(**options) -> None:
    """Serve the embedded engine over HTTP (Notte, MultiOn, ThinkRun dialects)."""
    from tui.server import run_server

    sys.exit(run_server(**options))


@main.command()
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--screenshot", "screenshot_path", default=None, help="Where to write the PNG.")
@click.option("--allow-file", is_flag=True, help="Allow file: urls.")
@functools.partial(_engine_options, pool=False)
def observe(**options) -> None:
    """Print one observation of URL: title, url, actions, markdown, screenshot."""
    from tui.engine.observe_cli import run_observe

    sys.exit(run_observe(**options))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8391, show_default=True, type=int)
@click.option("--allow-remote", is_flag=True, help="Listen on a non-loopback address.")
def web(host: str, port: int, allow_remote: bool) -> None:
    """Serve the app in a web browser (textual-serve), behind the token it prints."""
    from tui.ui.launch import run_web

    sys.exit(run_web(host=host, port=port, allow_remote=allow_remote))


@main.command()
@click.argument("session_id")
@click.option("--provider", default="local", show_default=True, help="Where the session ran.")
@click.option("--out", default=None, help="Export folder (default: in the data dir).")
@click.option("--har", is_flag=True, help="Also session.har: the network as HAR 1.2.")
@click.option("--gif", is_flag=True, help="Also replay.gif: the steps animated, captioned.")
@click.option("--webp", is_flag=True, help="Also replay.webp: the same as an animated WebP.")
def export(
    session_id: str, provider: str, out: str | None, har: bool, gif: bool, webp: bool
) -> None:
    """Export a recorded session: session.json, report.md and its screenshots."""
    from tui.records.commands import run_export

    sys.exit(run_export(session_id, provider, out, har=har, gif=gif, webp=webp))


@main.command()
@click.argument("export_json", metavar="EXPORT.json")
@click.option("--provider", default="local", show_default=True, help="Where to replay it.")
@click.option("--start-url", default=None, help="Open this url first (default: where it started).")
@click.option(
    "--demo-url",
    default=None,
    help="A running demo site for an export of the demo (default: start one for the replay).",
)
@click.option(
    "--reinterpret",
    is_flag=True,
    help="Send natural-language commands again instead of the actions they ran.",
)
def replay(
    export_json: str,
    provider: str,
    start_url: str | None,
    demo_url: str | None,
    reinterpret: bool,
) -> None:
    """Replay an exported session's actions on a new session, stopping at the first miss."""
    from tui.dialects import build_provider, connect_serve
    from tui.errors import StepdeckError
    from tui.records.commands import run_replay
    from tui.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    configs = {c.name: c for c in settings.all_providers()}
    if provider == "serve":  # a running `stepdeck serve` (settings.server_url)
        try:
            client = connect_serve(settings, settings.server_url)
        except StepdeckError as exc:
            raise click.ClickException(str(exc)) from None
        sys.exit(
            run_replay(export_json, client, start_url, demo_url=demo_url, reinterpret=reinterpret)
        )
    if provider not in configs:
        choices = ", ".join([*configs, "serve"])
        raise click.BadParameter(f"pick one of: {choices}", param_hint="--provider")
    built = build_provider(configs[provider], settings)
    sys.exit(run_replay(export_json, built, start_url, demo_url=demo_url, reinterpret=reinterpret))


@main.command()
@click.argument("session_id")
@click.argument("step_a", type=int)
@click.argument("step_b", type=int)
@click.option("--provider", default="local", show_default=True, help="Where the session ran.")
@click.option(
    "--image", default=None, metavar="PNG", help="Write step B's screenshot, changes outlined."
)
def diff(session_id: str, step_a: int, step_b: int, provider: str, image: str | None) -> None:
    """What changed from STEP_A to STEP_B: actions, page text, screenshot regions."""
    from tui.records.commands import run_diff

    sys.exit(run_diff(session_id, step_a, step_b, provider, image))


@main.group()
def profile() -> None:
    """Saved logins: a session's cookies, localStorage and sessionStorage, by name.

    Start a session from one with `stepdeck --profile NAME`, the new-session
    dialog, or Notte's `profile={"id": NAME}` against `stepdeck serve`.
    """


@profile.command("save")
@click.argument("session_id", metavar="SESSION")
@click.argument("name")
@click.option("--server", default=None, metavar="URL", help="The `stepdeck serve` holding SESSION.")
def profile_save(session_id: str, name: str, server: str | None) -> None:
    """Save SESSION (in a running `stepdeck serve`) as profile NAME."""
    import asyncio

    from tui.dialects import connect_serve
    from tui.engine.profiles import ProfileStore, check_name, describe
    from tui.errors import StepdeckError
    from tui.settings import load_settings

    async def save():
        settings = load_settings()
        client = connect_serve(settings, server or settings.server_url)
        await client.start()
        try:
            return await client.save_profile(session_id, name)
        finally:
            await client.aclose()

    try:
        check_name(name)
        summary = asyncio.run(save())
        try:  # a server on this machine wrote it here: show the cookie names too
            summary = ProfileStore().summary(name)
        except StepdeckError:
            pass
        click.echo(describe(summary))
    except StepdeckError as exc:
        raise click.ClickException(str(exc)) from None


@profile.command("list")
def profile_list() -> None:
    """Every saved profile: name, when, and where it holds state."""
    from tui.engine.profiles import ProfileStore, describe

    found = ProfileStore().list()
    if not found:
        click.echo("No profiles yet: `stepdeck profile save SESSION NAME` makes one.")
    for summary in found:
        click.echo(describe(summary))


@profile.command("show")
@click.argument("name")
def profile_show(name: str) -> None:
    """Origins and cookie names of profile NAME (never their values)."""
    from tui.engine.profiles import ProfileStore, describe
    from tui.errors import StepdeckError

    try:
        click.echo(describe(ProfileStore().summary(name)))
    except StepdeckError as exc:
        raise click.ClickException(str(exc)) from None


@profile.command("delete")
@click.argument("name")
def profile_delete(name: str) -> None:
    """Delete profile NAME."""
    from tui.engine.profiles import ProfileStore
    from tui.errors import StepdeckError

    try:
        ProfileStore().delete(name)
    except StepdeckError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Deleted profile {name}")


if __name__ == "__main__":
    main()
