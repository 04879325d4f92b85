"""The web console in real headless Chromium against a real server: every page loads with no console error
and no request leaves the server, a running instance shows its current state live, and the token works."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.browser.conftest import TOKEN, Served

SPECS = Path(__file__).resolve().parents[2] / "specs"


async def deploy_and_start(served: Served) -> str:
    headers = {"authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=served.url, headers=headers) as http:
        deployed = await http.post("/definitions", content=(SPECS / "approval.sw.yaml").read_text(),
                                   headers={"content-type": "application/yaml"})  # fmt: skip
        assert deployed.status_code in (200, 201), deployed.text
        started = await http.post(
            "/instances", json={"definition": "approval", "correlation": {"requestid": "r-9"}}
        )
        assert started.status_code == 201, started.text
        return str(started.json()["instance_id"])


class Watched:
    """A page whose console errors, uncaught exceptions and requests are recorded."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.problems: list[str] = []
        self.elsewhere: list[str] = []
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        page.on(
            "request", lambda r: None if r.url.startswith((base, "data:")) else self.elsewhere.append(r.url)
        )


async def test_pages_load_clean_and_show_a_running_instance(served: Served, browser: Any) -> None:
    instance_id = await deploy_and_start(served)
    context = await browser.new_context()
    await context.add_init_script(f"sessionStorage.setItem('swengine-token', '{TOKEN}')")
    watched = Watched(await context.new_page(), served.url)
    page = watched.page

    await page.goto(f"{served.url}/ui/")
    await page.wait_for_selector("#definitions >> text=approval")

    await page.goto(f"{served.url}/ui/#/instances/{instance_id}")
    await page.wait_for_selector("#current-state:text('Wait')")
    await page.wait_for_selector(".diagram svg g.current[data-state='Wait']")
    await page.wait_for_selector(".diagram svg g.visited[data-state='Receive']")
    waiting = await page.text_content("#waiting-for")
    assert waiting is not None and "com.example.approval.decided" in waiting and "requestid=r-9" in waiting

    await page.click("#suspend")  # suspended: the button turns into Resume, the page says so
    await page.wait_for_selector("#suspended")
    await page.click("#resume")
    await page.wait_for_selector("#suspend")

    await page.goto(f"{served.url}/ui/#/instances?definition=approval&status=running")
    await page.wait_for_selector(f"#instances >> text={instance_id}")

    await page.goto(f"{served.url}/ui/#/definitions/approval")
    await page.wait_for_selector(".diagram svg g[data-state='Decide']")
    await page.wait_for_selector(".source >> text=eventTimeout: P7D")

    await page.goto(f"{served.url}/ui/#/events")
    await page.fill("#event", '{"specversion": "1.0", "id": "e-1", "source": "/approvals",'
                    ' "type": "com.example.approval.decided", "requestid": "r-9", "data": {"approved": true}}')  # fmt: skip
    await page.click("#send")
    await page.wait_for_selector("#event-result >> text=consumed")

    await page.goto(f"{served.url}/ui/#/instances/{instance_id}")
    await page.wait_for_selector(".status.completed")

    # the API documentation needs the token too (a browser sends it as a header, not from the console's storage)
    await context.set_extra_http_headers({"Authorization": f"Bearer {TOKEN}"})
    await page.goto(f"{served.url}/docs")
    await page.wait_for_selector(".swagger-ui >> text=/instances")

    assert watched.problems == []
    assert watched.elsewhere == []
    await context.close()


async def test_the_console_asks_for_the_token_and_uses_it(served: Served, browser: Any) -> None:
    page = await browser.new_page()
    await page.goto(f"{served.url}/ui/")
    await page.wait_for_selector("#notice >> text=bearer token")
    await page.fill("#token", TOKEN)
    await page.click("#token-form button")
    await page.wait_for_selector("#definitions, main >> text=Nothing deployed yet")
    await page.close()
