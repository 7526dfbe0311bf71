"""A dashboard served on 127.0.0.1 in a thread, and a headless Chromium to open it.

The browser is Debian's ``chromium`` driven by ``chromium-driver`` through Selenium,
with the driver's path given (Selenium Manager would try to download one).  Without
them :func:`chromium` returns None, and the browser tests skip saying what is missing.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = (
    "/usr/bin/chromedriver"
    if Path("/usr/bin/chromedriver").exists()
    else shutil.which("chromedriver")
)


def missing_browser() -> str | None:
    """What the browser tests lack, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the browser tests need selenium (pip install -e '.[dev]')"
    if CHROMIUM is None:
        return "the browser tests need chromium (apt-get install chromium)"
    if CHROMEDRIVER is None:
        return "the browser tests need chromedriver (apt-get install chromium-driver)"
    return None


@contextmanager
def served(root: Path, token: str | None = None) -> Iterator[str]:
    """The dashboard of ``root`` on a free port of 127.0.0.1; yields its base URL."""
    import uvicorn

    from nnexp.serve.app import create_app
    from nnexp.serve.server import LOOPBACK_NAMES, bind

    sock = bind("127.0.0.1", 0)
    hosts = None if token else LOOPBACK_NAMES  # as nnexp serve does
    app = create_app(root, token, hosts)
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def chromium(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A headless Chromium (Selenium WebDriver)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
    ):
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(
        service=Service(executable_path=str(CHROMEDRIVER)), options=options
    )
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: Any, script: str, timeout: float = 60.0) -> Any:
    """The first truthy value of the JavaScript ``script`` (a ``return …``), polled;
    TimeoutError with the script after ``timeout`` seconds (a generous bound)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.25)
    raise TimeoutError(f"the page never satisfied: {script}")


#: JavaScript: how many Plotly charts on the page drew at least one trace with points
CHARTS_DRAWN = """
const charts = [...document.querySelectorAll('.js-plotly-plot')];
const drawn = charts.filter(c => c.data && c.data.some(t => (t.y || []).some(v => v !== null))
  && c.querySelectorAll('.scatterlayer .trace path').length > 0);
return drawn.length;
"""
