"""The web pages in a real browser (Debian's chromium, driven by Playwright) against the local stack:
upload from the new-import page, watch the status page, find the job in the list, download the
error report, see what an ended import wrote day by day, delete (undo) an import."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    expect,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import wait_for_job
from tests.support import hh_long_csv

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROWS = 4000  # with the "large" throttle (50 rows, 200 ms pauses): about 16 s of importing
SITES_HEADER = "name,company_id,address,postcode,site_type,floor_area"
# Sites as a spreadsheet on Windows saves them: Windows-1252, CRLF.
SITES_1252 = "\r\n".join(
    [
        SITES_HEADER,
        "Café Royal,1,68 Regent St,W1B 4DY,retail,320",
        "Castle,1,1 Hill,SW3 4RP,castle,85",  # no such site type: an error
        "Café Royal,1,68 Regent St,W1B 4DY,retail,330",  # the first site again: a warning
        "",
    ]
).encode("cp1252")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class BrowserSession:
    """One signed-in browser context, recording what the pages ask for and what goes wrong."""

    def __init__(self, context: BrowserContext, api_url: str) -> None:
        self.context = context
        self.api_url = api_url
        self.page: Page = context.new_page()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.page.on("request", self._request)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _request(self, request: Request) -> None:
        self.requests.append(f"{request.method} {request.url.removeprefix(self.api_url)}")

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def polls_of(self, job_id: str) -> int:
        return self.requests.count(f"GET /imports/{job_id}")

    def text(self, selector: str) -> str:
        return self.page.locator(selector).inner_text()

    def number(self, selector: str) -> int:
        return int(re.sub(r"\D", "", self.text(selector)))


def session(
    browser: Browser, api_url: str, token: str | None, timezone_id: str | None = None
) -> BrowserSession:
    context = browser.new_context(base_url=api_url, timezone_id=timezone_id)
    if token is not None:  # signed in before any page script runs, as a returning user is
        context.add_init_script(f"localStorage.setItem('csvimport.token', {json.dumps(token)})")
    return BrowserSession(context, api_url)


@pytest.fixture
def user() -> str:
    return f"browser-{uuid.uuid4().hex[:8]}"  # nobody else's jobs on the shared stack


@pytest.fixture
def signed_in(browser: Browser, local_stack, user: str) -> Iterator[BrowserSession]:
    s = session(browser, local_stack.api_url, local_stack.token(user))
    yield s
    s.context.close()
    assert s.problems == []


def post_csv(local_stack, user: str, body: bytes, filename: str, **params: str) -> str:
    response = requests.post(
        f"{local_stack.api_url}/imports",
        params={"filename": filename, "throttle": "small", **params},
        data=body,
        headers={**local_stack.headers(user), "Content-Type": "text/csv"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def import_by_api(local_stack, user: str, rows: int, filename: str) -> str:
    """A finished import of `rows` half-hourly rows, made through the API."""
    job_id = post_csv(local_stack, user, hh_long_csv(rows), filename)
    wait_for_job(local_stack, job_id, user=user)
    return job_id


def test_an_upload_from_the_new_import_page_shows_its_progress_live_and_stops_refreshing_when_done(
    signed_in: BrowserSession,
):
    page = signed_in.page
    page.goto("/admin/imports/new")
    page.set_input_files(
        "#file",
        files=[{"name": "readings.csv", "mimeType": "text/csv", "buffer": hh_long_csv(ROWS, meters=1)}],
    )
    page.select_option("#throttle", "large")
    page.click("#submit")

    try:
        page.wait_for_url("**/admin/imports/status/*", timeout=30_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"no status page; the form says {signed_in.text('#message')!r}; {signed_in.problems}")
    job_id = page.url.rsplit("/", 1)[1]
    percents: list[float] = []
    page.wait_for_selector("#job:not([hidden])")
    while signed_in.text("#status") != "Completed":
        assert len(percents) < 600, f"not completed after 2 minutes; percents seen: {percents}"
        percents.append(float(page.locator("#progress").evaluate("bar => bar.value")))
        page.wait_for_timeout(200)
    polls_at_completion = signed_in.polls_of(job_id)

    assert any(0 < p < 100 for p in percents), f"the bar never showed work in progress: {percents}"
    assert percents == sorted(percents), "the bar went backwards"
    assert page.locator("#progress").evaluate("bar => bar.value") == 100
    assert signed_in.text("#progress-label") == "100 %"
    assert (signed_in.number("#processed"), signed_in.number("#imported")) == (ROWS, ROWS)
    assert signed_in.number("#failed") == 0
    assert signed_in.number("#total") == ROWS and "about" not in signed_in.text("#total")
    assert signed_in.text("#heading") == "readings.csv"

    page.wait_for_timeout(6_500)  # more than one refresh interval
    assert signed_in.polls_of(job_id) == polls_at_completion, "the page kept refreshing a finished job"
    assert signed_in.text("#live") == "Finished: no more updates"


def test_the_jobs_list_shows_the_callers_imports_and_links_each_to_its_status_page(
    signed_in: BrowserSession, local_stack, user: str
):
    job_id = import_by_api(local_stack, user, 120, "listed.csv")
    page = signed_in.page

    page.goto("/admin/imports/jobs")
    href = f'a[href="/admin/imports/status/{job_id}"]'
    link = page.locator(f"#jobs {href}")
    link.wait_for()
    row = page.locator("#jobs tbody tr", has=page.locator(href))

    assert link.inner_text() == "listed.csv"
    assert row.locator(".badge").inner_text() == "Completed"
    assert [row.locator("td").nth(i).inner_text() for i in (3, 4, 5)] == ["120", "120", "0"]
    link.click()
    page.wait_for_url(f"**/admin/imports/status/{job_id}")
    page.wait_for_selector("#job:not([hidden])")
    assert signed_in.text("#status") == "Completed"


def test_someone_elses_import_reads_as_no_such_import(signed_in: BrowserSession, local_stack):
    theirs = import_by_api(local_stack, "someone-else", 10, "private.csv")

    signed_in.page.goto(f"/admin/imports/status/{theirs}")
    signed_in.page.wait_for_selector("#message.error")

    assert signed_in.text("#heading") == "No such import"
    assert "not yours" in signed_in.text("#message")
    assert "private.csv" not in signed_in.page.content()


def test_a_visitor_without_a_token_is_asked_to_sign_in_and_then_sees_their_imports(
    browser: Browser, local_stack, user: str
):
    visitor = session(browser, local_stack.api_url, token=None)
    page = visitor.page
    page.goto("/admin/imports/jobs")

    assert page.locator("#sign-in").is_visible()
    # The local stack's default user, as the CLI's default token and make run's hints name it.
    assert page.input_value("#token") == "dev:alice"
    assert not any(r.startswith("GET /imports") for r in visitor.requests), "called the API without a token"

    page.fill("#token", local_stack.token(user))
    page.click("#sign-in button[type=submit]")
    page.wait_for_selector("#message:has-text('no imports yet')")

    assert visitor.text("#auth-user") == user
    assert page.evaluate("localStorage.getItem('csvimport.token')") == local_stack.token(user)
    assert page.locator("#sign-in").is_hidden()
    visitor.context.close()
    assert visitor.problems == []


def test_a_filename_that_looks_like_markup_is_shown_as_text(
    signed_in: BrowserSession, local_stack, user: str
):
    name = '<img src=x onerror="document.title=1">.csv'
    job_id = import_by_api(local_stack, user, 5, name)
    page = signed_in.page

    page.goto("/admin/imports/jobs")
    page.locator("#jobs a").first.wait_for()
    assert page.locator("#jobs a").first.inner_text() == name
    page.goto(f"/admin/imports/status/{job_id}")
    page.wait_for_selector("#job:not([hidden])")

    assert signed_in.text("#heading") == name
    assert page.locator("main img").count() == 0


def test_an_api_refusal_is_shown_with_its_message_and_the_form_can_be_sent_again(signed_in: BrowserSession):
    page = signed_in.page
    refusal = {
        "error": "Request Entity Too Large",
        "message": "the file is 9 bytes; the largest accepted is 1",
    }
    page.route(
        "**/imports",
        lambda route: route.fulfill(status=413, content_type="application/json", body=json.dumps(refusal)),
    )
    page.goto("/admin/imports/new")
    page.set_input_files("#file", files=[{"name": "a.csv", "mimeType": "text/csv", "buffer": b"too large"}])

    page.click("#submit")
    page.wait_for_selector("#message.error")

    assert signed_in.text("#message") == refusal["message"]
    assert page.locator("#submit").is_enabled()
    assert page.url.endswith("/admin/imports/new")


def test_the_jobs_list_pages_through_the_callers_imports_with_the_apis_token(
    signed_in: BrowserSession, local_stack, user: str
):
    body = b"MPAN,ReadDate,kWh\r\n1900000000001,2025-11-01,1.5\r\n"
    first = [post_csv(local_stack, user, body, f"day-{n}.csv") for n in range(20)]
    wait_for_job(local_stack, first[0], user=user)  # a user may have 20 imports going at once
    post_csv(local_stack, user, body, "day-20.csv")
    page = signed_in.page
    rows = page.locator("#jobs tbody tr")

    page.goto("/admin/imports/jobs")
    page.wait_for_selector("#next-page:not([hidden])")
    assert rows.count() == 20 and page.locator("#first-page").is_hidden()

    page.click("#next-page")
    page.wait_for_selector("#first-page:not([hidden])")
    assert rows.count() == 1 and page.locator("#next-page").is_hidden()
    assert rows.first.locator("a").inner_text() == "day-0.csv"  # newest first: the oldest comes last

    page.click("#first-page")
    page.wait_for_selector("#next-page:not([hidden])")
    assert rows.count() == 20 and rows.first.locator("a").inner_text() == "day-20.csv"


def test_the_jobs_list_filters_by_status_and_keeps_the_filter_in_the_address(
    signed_in: BrowserSession, local_stack, user: str
):
    good = import_by_api(local_stack, user, 10, "good.csv")
    bad = post_csv(local_stack, user, b"colour,shape\r\nred,round\r\n", "not-readings.csv")
    assert wait_for_job(local_stack, bad, user=user)["status"] == "failed"
    page = signed_in.page

    page.goto("/admin/imports/jobs")
    page.locator("#jobs a").nth(1).wait_for()
    page.select_option("#status", "failed")
    expect(page.locator("#jobs tbody tr")).to_have_count(1)  # (wait_for_function's eval meets our CSP)

    assert page.locator("#jobs a").inner_text() == "not-readings.csv"
    assert "status=failed" in page.url
    page.reload()
    page.wait_for_selector("#jobs:not([hidden])")
    assert page.input_value("#status") == "failed"
    assert page.locator(f'#jobs a[href$="{good}"]').count() == 0


def test_the_status_page_cancels_a_running_import_and_then_deletes_it(
    signed_in: BrowserSession, local_stack, user: str
):
    response = requests.post(
        f"{local_stack.api_url}/imports",
        params={"filename": "stop-me.csv", "throttle": "very_large"},  # 25 rows, 300 ms pauses
        data=hh_long_csv(3000),
        headers={**local_stack.headers(user), "Content-Type": "text/csv"},
        timeout=30,
    )
    job_id = response.json()["job_id"]
    wait_for_job(local_stack, job_id, user=user, until=("processing",))
    page = signed_in.page
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.goto(f"/admin/imports/status/{job_id}")
    page.wait_for_selector("#cancel:not([hidden])")

    page.click("#cancel")
    # (cancelling while the worker counts its batch in hand, then cancelled: final from then on)
    expect(page.locator("#status")).to_have_text("Cancelled", timeout=15_000)
    cancelled = wait_for_job(local_stack, job_id, user=user)
    assert cancelled["status"] == "cancelled" and 0 < cancelled["processed_rows"] < 3000
    assert not any(shard["running"] for shard in cancelled["shards"])
    expect(page.locator("#imported")).to_have_text(f"{cancelled['imported_rows']:,}", timeout=15_000)
    # The banner says the final counts, not those of the moment the cancel was asked for.
    expect(page.locator("#message")).to_have_text(
        f"Cancelled: {cancelled['imported_rows']:,} rows imported, {cancelled['failed_rows']:,} failed."
    )
    time.sleep(1)  # a worker's late batch would have landed by now (one batch is 300 ms)
    assert wait_for_job(local_stack, job_id, user=user) == cancelled

    page.wait_for_selector("#delete:not([hidden])")
    assert signed_in.text("#delete") == "Delete and undo this import"
    page.click("#delete")
    [question] = asked
    assert question.startswith("Delete this import and undo it?")
    assert "goes back to what it replaced, or away if it replaced nothing" in question
    expect(page.locator("#heading")).to_have_text("No such import", timeout=120_000)
    gone = requests.get(
        f"{local_stack.api_url}/imports/{job_id}", headers=local_stack.headers(user), timeout=10
    )
    assert gone.status_code == 404


SIZE_READ = re.compile(r"^[\d,.]+ (bytes|KB|MB|GB) of [\d,.]+ (bytes|KB|MB|GB)$")
NAMED_ZONE = re.compile(r"\b(GMT|BST|GMT\+1)$")  # London: GMT+1 in en-US summers
ANY_ZONE = re.compile(r"\b([A-Z]{3,5}|GMT[+-]\d{1,2}(:\d\d)?)$")


def slow_job(local_stack, user: str, filename: str) -> str:
    """A job that runs for minutes (very_large: 25 rows, then 300 ms), once it shows a rate and ETA."""
    job_id = post_csv(local_stack, user, hh_long_csv(3000), filename, throttle="very_large")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = wait_for_job(local_stack, job_id, user=user, until=("processing",))
        if job["rows_per_sec"] is not None and job["eta_seconds"] is not None:
            return job_id
        time.sleep(0.5)  # the local stack's own clock: a rate needs a few batches of samples
    pytest.fail(f"no rate and ETA 30 s into {job_id}: {job}")


def cancel(local_stack, user: str, job_id: str) -> None:
    url = f"{local_stack.api_url}/imports/{job_id}/cancel"
    requests.post(url, headers=local_stack.headers(user), timeout=10).raise_for_status()


def test_a_running_imports_page_shows_how_much_of_the_file_is_read_and_names_the_zone_of_its_times(
    browser: Browser, local_stack, user: str
):
    job_id = slow_job(local_stack, user, "sized.csv")
    london = session(browser, local_stack.api_url, local_stack.token(user), timezone_id="Europe/London")
    page = london.page
    try:
        page.goto(f"/admin/imports/status/{job_id}")
        page.wait_for_selector("#job:not([hidden])")

        assert SIZE_READ.match(london.text("#bytes")), london.text("#bytes")
        assert london.text("#bytes").endswith(" of 131.9 KB")  # 135,046 bytes, as the CLI says it
        assert NAMED_ZONE.search(london.text("#created")), london.text("#created")
        assert NAMED_ZONE.search(london.text("#live").split(" · ")[0]), london.text("#live")
    finally:
        cancel(local_stack, user, job_id)
        london.context.close()
    assert london.problems == []


def test_the_jobs_list_shows_rate_and_time_left_for_a_running_import_and_none_for_an_ended_one(
    signed_in: BrowserSession, local_stack, user: str
):
    ended = import_by_api(local_stack, user, 10, "ended.csv")
    running = slow_job(local_stack, user, "running.csv")
    page = signed_in.page
    try:
        page.goto("/admin/imports/jobs")
        page.locator("#jobs tbody tr").nth(1).wait_for()

        def cells(job_id: str) -> list[str]:
            row = page.locator("#jobs tbody tr", has=page.locator(f'a[href$="{job_id}"]'))
            return [row.locator("td").nth(i).inner_text() for i in (6, 7)]

        rate, left = cells(running)
        assert re.fullmatch(r"[\d,.]+ rows/s", rate), rate
        assert re.fullmatch(r"(about .+|a few seconds)", left), left
        assert cells(ended) == ["", ""]
        created = page.locator("#jobs time").first.inner_text()
        assert ANY_ZONE.search(created), created  # the browser's own zone (this machine's: UTC)
    finally:
        cancel(local_stack, user, running)


def eta_seconds(page: Page) -> int | None:
    seconds = page.locator("#eta").get_attribute("data-seconds")
    return int(seconds) if seconds else None


def test_the_owner_turns_a_slow_imports_throttle_off_on_its_status_page_and_the_eta_falls(
    signed_in: BrowserSession, local_stack, user: str
):
    # very_large (25 rows, then 300 ms): about 12 minutes; off: some 20 seconds, long enough for the
    # page to show the ETA falling (a day's readings are one write now: 20,000 rows took 5 s)
    rows = 60_000
    job_id = post_csv(local_stack, user, hh_long_csv(rows, meters=10), "slow.csv", throttle="very_large")
    wait_for_job(local_stack, job_id, user=user, until=("processing",))
    page = signed_in.page
    page.goto(f"/admin/imports/status/{job_id}")
    page.wait_for_selector("#throttle-form:not([hidden])")
    assert "very large" in signed_in.text("#throttle")
    expect(page.locator("#eta")).to_have_attribute("data-seconds", re.compile(r"\d+"), timeout=15_000)
    before = eta_seconds(page)
    assert before is not None and before > 20, f"ETA {before} s with very_large"

    page.select_option("#throttle-choice", "custom")
    assert page.locator("#throttle-batch").is_visible() and page.locator("#throttle-delay").is_visible()
    page.select_option("#throttle-choice", "off")
    assert page.locator("#throttle-batch").is_hidden()
    page.click("#throttle-apply")

    expect(page.locator("#message")).to_contain_text("from its next batch")
    assert "no pauses" in signed_in.text("#message")
    deadline = time.monotonic() + 60
    seen: list[int] = []
    while signed_in.text("#status") != "Completed":
        assert time.monotonic() < deadline, f"not completed 60 s after throttling off; ETAs: {before}, {seen}"
        if (eta := eta_seconds(page)) is not None and (not seen or seen[-1] != eta):
            seen.append(eta)
        page.wait_for_timeout(200)
    assert signed_in.number("#imported") == rows
    assert seen and min(seen) < before / 2, f"the ETA did not fall: {before} s, then {seen}"
    assert page.locator("#throttle-form").is_hidden()  # an ended job's throttle cannot change


def test_an_ended_import_shows_its_warnings_and_how_the_file_was_read_and_downloads_its_error_report(
    signed_in: BrowserSession, local_stack, user: str
):
    job_id = post_csv(local_stack, user, SITES_1252, "sites.csv")
    assert wait_for_job(local_stack, job_id, user=user)["status"] == "completed"
    page = signed_in.page
    page.goto(f"/admin/imports/status/{job_id}")
    page.wait_for_selector("#downloads:not([hidden])")

    assert signed_in.text("#file-text") == "Windows-1252, CRLF"
    assert signed_in.text("#format") == "Sites"
    assert signed_in.text("#written-label") == "Sites written" and "Readings" not in signed_in.text("#job")
    ended = wait_for_job(local_stack, job_id, user=user)
    assert page.locator("#rate-fact").is_visible() == (ended["rows_per_sec"] is not None)
    assert signed_in.text("#success") == "66.6 %"  # 2 of 3: the API's 0.666, as the CLI shows it
    assert (signed_in.number("#failed"), signed_in.number("#warned")) == (1, 1)
    assert signed_in.text("#warnings-summary").startswith("1 row imported with a warning")
    assert page.locator("#warning-list li").all_inner_texts() == [
        "Line 4: site 'Café Royal' of company 1 appears earlier in the file too; this row's is kept"
    ]
    assert page.locator("#error-list li").all_inner_texts()[0].startswith("Line 3, column 5 (site_type)")
    assert page.locator("#download-fix").is_visible()

    with (
        page.expect_request(lambda r: r.url == f"{local_stack.api_url}/imports/{job_id}/errors") as asked,
        page.expect_download() as downloading,
    ):
        page.click("#download-errors")
    download = downloading.value

    assert asked.value.headers["authorization"] == f"Bearer {local_stack.token(user)}"
    assert download.url.startswith(f"{local_stack.aws_url}/")  # the presigned link the API gave
    assert download.suggested_filename == "sites-errors.csv"
    report = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == f"line,column,column_name,message,{SITES_HEADER}"
    assert report[1].startswith("3,5,site_type,")
    assert page.url.endswith(f"/admin/imports/status/{job_id}")  # an attachment: the page stays
    assert signed_in.text("#message") == "Downloading the error report."


def test_a_dry_run_shows_what_it_would_write_and_without_failed_rows_offers_no_report(
    signed_in: BrowserSession, local_stack, user: str
):
    site = f"Dry run {uuid.uuid4().hex[:8]}"
    body = f"name,company_id,site_type\n{site},1,office\n{site},1,retail\n".encode()
    job_id = post_csv(local_stack, user, body, "dry.csv", dry_run="true")
    wait_for_job(local_stack, job_id, user=user)
    page = signed_in.page

    page.goto(f"/admin/imports/status/{job_id}")
    page.wait_for_selector("#downloads:not([hidden])")

    assert signed_in.text("#dry-run") == "would insert 1 row, would update 1"
    assert signed_in.text("#file-text") == "UTF-8, LF"
    assert page.locator("#download-errors").is_hidden()
    assert page.locator("#download-fix").is_hidden()
    assert signed_in.text("#no-failed-rows").startswith("No failed rows")


def test_a_download_the_api_refuses_is_explained_in_the_page(
    signed_in: BrowserSession, local_stack, user: str
):
    job_id = post_csv(local_stack, user, SITES_1252, "refused.csv")  # one failed row: a report to get
    wait_for_job(local_stack, job_id, user=user)
    refusal = {"error": "Internal Server Error", "message": "something went wrong on our side; try again"}
    page = signed_in.page
    page.route(
        f"**/imports/{job_id}/errors",
        lambda route: route.fulfill(status=500, content_type="application/json", body=json.dumps(refusal)),
    )
    page.goto(f"/admin/imports/status/{job_id}")
    page.wait_for_selector("#downloads:not([hidden])")

    page.click("#download-errors")
    page.wait_for_selector("#message.error")

    assert signed_in.text("#message") == refusal["message"]
    assert page.url.endswith(f"/admin/imports/status/{job_id}")
    assert page.locator("#download-errors").is_enabled()


def throttle_settings(local_stack) -> dict:
    response = requests.get(
        f"{local_stack.api_url}/settings/import-throttle", headers=local_stack.headers("admin"), timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()


def save_throttle_settings(local_stack, settings: dict, version: int) -> dict:
    document = {"default": settings["default"], "presets": settings["presets"], "version": version}
    response = requests.put(
        f"{local_stack.api_url}/settings/import-throttle",
        json=document,
        headers=local_stack.headers("admin"),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def admin(browser: Browser, local_stack) -> Iterator[BrowserSession]:
    """An administrator's browser; the throttle settings are put back as they were afterwards
    (the stack is shared with the other tests)."""
    before = throttle_settings(local_stack)
    s = session(browser, local_stack.api_url, local_stack.token("admin"))
    yield s
    s.context.close()
    save_throttle_settings(local_stack, before, throttle_settings(local_stack)["version"])
    assert s.problems == []


def test_an_administrator_edits_a_preset_on_the_settings_page_and_saves_it(
    admin: BrowserSession, local_stack
):
    before = throttle_settings(local_stack)
    page = admin.page
    page.goto("/admin/settings")
    page.wait_for_selector("#settings:not([hidden])")
    assert page.input_value("#medium-batch_size") == str(before["presets"]["medium"]["batch_size"])
    assert page.locator('header nav a[aria-current="page"]').inner_text() == "Throttle settings"

    page.fill("#medium-batch_size", "150")
    page.fill("#medium-delay_ms", "40")
    page.select_option("#default", "off")
    page.click("#save")
    expect(page.locator("#message")).to_contain_text(f"Saved as version {before['version'] + 1}")

    saved = throttle_settings(local_stack)
    assert saved["presets"]["medium"] == {
        "batch_size": 150,
        "delay_ms": 40,
        "max_bytes": before["presets"]["medium"]["max_bytes"],
    }
    assert (saved["default"], saved["updated_by"]) == ("off", "admin")
    assert saved["presets"]["large"] == before["presets"]["large"]
    assert "saved by admin" in admin.text("#saved")


def test_the_settings_page_names_a_wrong_value_and_a_change_someone_else_saved_first(
    admin: BrowserSession, local_stack
):
    page = admin.page
    page.goto("/admin/settings")
    page.wait_for_selector("#settings:not([hidden])")

    page.fill("#medium-max_bytes", "5")
    page.click("#save")
    page.wait_for_selector("#message.error")
    assert "size bands must ascend" in admin.text("#message")
    assert page.get_attribute("#medium-max_bytes", "aria-invalid") == "true"

    page.fill("#medium-max_bytes", "800000")
    page.fill("#large-batch_size", "0")
    page.click("#save")
    expect(page.locator("#message")).to_contain_text("presets.large.batch_size")
    assert page.get_attribute("#large-batch_size", "aria-invalid") == "true"
    assert page.get_attribute("#medium-max_bytes", "aria-invalid") is None

    page.fill("#large-batch_size", "60")
    theirs = throttle_settings(local_stack)
    save_throttle_settings(local_stack, theirs, theirs["version"])  # another administrator saves
    page.click("#save")
    page.wait_for_selector("#reload:not([hidden])")
    assert "changed by someone else" in admin.text("#message")

    page.click("#reload")
    page.wait_for_selector("#reload[hidden]", state="attached")
    assert page.input_value("#large-batch_size") == str(theirs["presets"]["large"]["batch_size"])


def test_someone_who_is_not_an_administrator_is_told_so_on_the_settings_page(signed_in: BrowserSession):
    page = signed_in.page
    page.goto("/admin/settings")
    page.wait_for_selector("#message.error")

    assert signed_in.text("#message") == "Only administrators can see and change the throttle settings."
    assert page.locator("#settings").is_hidden()


def test_the_status_page_shows_the_mapping_an_import_asked_for_and_its_profile(
    signed_in: BrowserSession, local_stack, user: str
):
    saved = requests.put(
        f"{local_stack.api_url}/profiles/Octopus%20export",
        json={"mapping": {"columns": {"meter": "MPAN", "value": "Consumption (kWh)"}, "unit": "kWh"}},
        headers=local_stack.headers(user),
        timeout=30,
    )
    assert saved.status_code == 201, saved.text
    created = requests.post(
        f"{local_stack.api_url}/imports",
        json={"filename": "export.csv", "profile": "Octopus export", "mapping": {"columns": {"value": 3}}},
        headers=local_stack.headers(user),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    page = signed_in.page

    page.goto(f"/admin/imports/status/{created.json()['job_id']}")
    page.wait_for_selector("#mapping-fact:not([hidden])")

    assert signed_in.text("#mapping-label") == "Mapping asked for"  # resolved once the file is read
    shown = signed_in.text("#mapping")
    assert 'meter: column "MPAN"' in shown and "value: column 3" in shown and "unit kWh" in shown
    assert 'from profile "Octopus export"' in shown


SUPPLIER_EXPORT = (
    b"Consumption (kWh),Start,End\n"
    b"0.507,2024-06-01T00:00:00+01:00,2024-06-01T00:30:00+01:00\n"
    b"0.25,2024-06-01T00:30:00+01:00,2024-06-01T01:00:00+01:00\n"
    b"1.125,2024-11-01T00:00:00Z,2024-11-01T00:30:00Z\n"
)


def test_the_new_import_page_previews_a_file_without_a_meter_column_asks_for_it_then_imports_it(
    signed_in: BrowserSession, local_stack, user: str
):
    meter = f"19{uuid.uuid4().int % 10**11:011d}"
    page = signed_in.page
    page.goto("/admin/imports/new")
    page.set_input_files(
        "#file", files=[{"name": "supplier.csv", "mimeType": "text/csv", "buffer": SUPPLIER_EXPORT}]
    )

    # the preview says what is missing, and how to give it; it lists the columns, no readings
    expect(page.locator("#preview-message")).to_contain_text("no meter column")
    expect(page.locator("#preview-message")).to_have_class(re.compile(r"\berror\b"))
    assert page.locator("#preview-readings tbody tr").count() == 0

    page.fill("#opt-meter", meter)
    rows = page.locator("#preview-readings tbody tr")
    expect(rows).to_have_count(3)
    first = rows.nth(0).locator("td").all_inner_texts()
    assert (first[1], first[2], first[4], first[5], first[6]) == (meter, "import", "2024-06-01", "1", "0.507")
    last = rows.nth(2).locator("td").all_inner_texts()
    assert (last[4], last[5], last[6]) == ("2024-11-01", "1", "1.125")
    columns = page.locator("#preview-columns tbody tr")
    expect(columns).to_have_count(3)
    assert "Consumption (kWh)" in columns.nth(0).inner_text()
    assert not signed_in.problems, signed_in.problems

    # what was given is saved as a profile, to import the next such file with
    page.fill("#profile-name", "Supplier export")
    page.click("#save-profile")
    expect(page.locator("#preview-message")).to_contain_text("Saved the profile Supplier export")
    expect(page.locator("#profile option", has_text="Supplier export")).to_have_count(1)
    saved = requests.get(
        f"{local_stack.api_url}/profiles/Supplier%20export", headers=local_stack.headers(user), timeout=30
    ).json()
    assert saved["mapping"]["meter"] == meter

    page.select_option("#throttle", "small")
    page.click("#submit")
    try:
        page.wait_for_url("**/admin/imports/status/*", timeout=30_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"no status page; the form says {signed_in.text('#message')!r}; {signed_in.problems}")
    job_id = page.url.rsplit("/", 1)[1]
    job = wait_for_job(local_stack, job_id, user=user)
    assert (job["status"], job["imported_rows"], job["failed_rows"]) == ("completed", 3, 0)
    assert job["requested_mapping"]["meter"] == meter and job["mapping"]["meter"] == meter

    answer = requests.get(
        f"{local_stack.api_url}/readings",
        params={"meter": meter, "from": "2024-06-01", "to": "2024-11-01"},
        headers=local_stack.headers(user),
        timeout=30,
    ).json()
    assert [(r["start"], r["value_kwh"]) for r in answer["items"]] == [
        ("2024-05-31T23:00:00Z", "0.507"),
        ("2024-05-31T23:30:00Z", "0.25"),
        ("2024-11-01T00:00:00Z", "1.125"),
    ]


def test_an_ended_import_names_the_columns_it_read_those_it_did_not_and_the_summary_rows_it_skipped(
    signed_in: BrowserSession, local_stack, user: str
):
    body = (
        b"MPAN,Date,Reading,Cost (p),Notes\r\n"
        b"1200023305967,2025-11-01,12.5,310,\r\n"
        b"1200023305967,2025-11-02,13,322,estimated by hand\r\n"
        b"Total,,25.5,632,\r\n"
    )
    job_id = post_csv(local_stack, user, body, "supplier.csv")
    assert wait_for_job(local_stack, job_id, user=user)["status"] == "completed"
    page = signed_in.page

    page.goto(f"/admin/imports/status/{job_id}")
    page.wait_for_selector("#unused-columns:not([hidden])")

    assert signed_in.text("#mapping-label") == "Mapping used"
    shown = signed_in.text("#mapping")
    assert 'meter: column "MPAN"' in shown and 'date: column "Date"' in shown
    assert 'value: column "Reading"' in shown
    assert signed_in.text("#unused-columns") == "Not read: Cost (p), Notes"
    assert signed_in.text("#note") == "Skipped 1 summary row (Total) at line 4."
    assert (signed_in.number("#processed"), signed_in.number("#failed")) == (2, 0)


def gappy_hh_csv(meters: list[str]) -> bytes:
    """Three days of half hours from 2025-12-01 for each meter, except: the first lacks 8 half
    hours of its second day, the second has 2 estimated on its first day, and the third wrote
    nothing on its second day."""
    import datetime as dt

    lines = ["MPAN,ReadDateTime,ReadValue,Unit,ReadingType"]
    start = dt.datetime(2025, 12, 1)
    for n, meter in enumerate(meters):
        for i in range(3 * 48):
            day, period = divmod(i, 48)
            if (n == 0 and day == 1 and 10 <= period < 18) or (n == 2 and day == 1):
                continue
            flag = "E" if n == 1 and day == 0 and period in (5, 6) else "A"
            stamp = (start + dt.timedelta(minutes=30 * i)).strftime("%Y-%m-%d %H:%M:%S")
            lines.append(f"{meter},{stamp},0.5,kWh,{flag}")
    return ("\r\n".join(lines) + "\r\n").encode()


def test_an_ended_imports_page_draws_what_it_wrote_day_by_day_with_its_gaps_and_estimates(
    signed_in: BrowserSession, local_stack, user: str
):
    meters = sorted(f"17{uuid.uuid4().int % 10**11:011d}" for _ in range(3))
    job_id = post_csv(local_stack, user, gappy_hh_csv(meters), "gaps.csv")
    assert wait_for_job(local_stack, job_id, user=user)["status"] == "completed"
    page = signed_in.page

    page.goto(f"/admin/imports/status/{job_id}")
    page.wait_for_selector("#coverage-map:not([hidden])")

    assert signed_in.text("#coverage-summary") == (
        "3 meters, 9 meter-days: 7 complete, 1 partial, 1 with nothing written; "
        "376 half hours written (2 estimated), 56 missing."
    )
    rows = page.locator("#heatmap .hm-row:not(.hm-axis)")
    expect(rows).to_have_count(3)
    assert rows.locator(".hm-label").all_inner_texts() == meters
    cells = [rows.nth(n).locator(".hm-cell") for n in range(3)]
    assert [c.count() for c in cells] == [3, 3, 3]
    states = [[c.nth(d).get_attribute("class") for d in range(3)] for c in cells]
    assert states == [
        ["hm-cell complete", "hm-cell partial", "hm-cell complete"],
        ["hm-cell complete est", "hm-cell complete", "hm-cell complete"],
        ["hm-cell complete", "hm-cell empty", "hm-cell complete"],
    ]
    assert cells[0].nth(1).get_attribute("title") == "2025-12-02: 40 of 48 written, 0 estimated, 8 missing"
    assert cells[1].nth(0).get_attribute("title") == "2025-12-01: 48 of 48 written, 2 estimated, 0 missing"
    assert cells[2].nth(1).get_attribute("title") == "2025-12-02: 0 of 48 written, 0 estimated, 48 missing"
    # the marks are drawn, not only named: an estimated day has its dot, a partial day is half filled
    estimated = cells[1].nth(0).evaluate("cell => getComputedStyle(cell).backgroundImage")
    assert estimated.startswith("radial-gradient"), estimated
    partial = cells[0].nth(1).evaluate("cell => getComputedStyle(cell).backgroundImage")
    assert partial.startswith("linear-gradient"), partial
    # in words too: each row, and the days not complete
    assert rows.nth(0).locator(".hm-strip").get_attribute("aria-label") == (
        f"{meters[0]}, 2025-12-01 to 2025-12-03: 2 days complete, 1 partial, 0 with nothing written; "
        "8 half hours missing, 0 estimated"
    )
    page.click("#coverage-gaps summary")
    assert page.locator("#coverage-gap-list li").all_inner_texts() == [
        f"{meters[0]}, 2025-12-02: 40 of 48 written, 0 estimated, 8 missing",
        f"{meters[2]}, 2025-12-02: 0 of 48 written, 0 estimated, 48 missing",
    ]
    assert page.locator("#coverage-more").is_hidden() and page.locator("#coverage-shown").is_hidden()
    assert signed_in.text("#delete") == "Delete and undo this import"


def coverage_page(job_id: str, first: int, count: int, total: int) -> dict:
    """A page of the API's coverage answer: meters first..first+count of total, 30 whole days each."""
    meters = [
        {
            "meter": f"18{n:011d}",
            "channel": "export" if n % 2 else "import",
            "kind": "hh",
            "first_day": "2025-11-01",
            "last_day": "2025-11-30",
            "written": [48] * 30,
            "estimated": [0] * 30,
            "missing": [0] * 30,
        }
        for n in range(first, first + count)
    ]
    summary = {
        "meters": total,
        "days": 30 * total,
        "complete_days": 30 * total,
        "partial_days": 0,
        "empty_days": 0,
        "written_periods": 1440 * total,
        "estimated_periods": 0,
        "missing_periods": 0,
    }
    more = first + count < total
    return {
        "job_id": job_id,
        "ready": True,
        "summary": summary,
        "meters": meters,
        "next_cursor": str(first + count) if more else None,
    }


def test_the_coverage_of_many_meters_is_shown_a_page_of_100_at_a_time_on_request(
    signed_in: BrowserSession, local_stack, user: str
):
    job_id = import_by_api(local_stack, user, 10, "many.csv")
    asked: list[str] = []

    def answer(route) -> None:
        query = dict(parse_qsl(urlsplit(route.request.url).query))
        asked.append(query.get("cursor", ""))
        first = int(query.get("cursor", "0"))
        body = coverage_page(job_id, first, min(int(query["limit"]), 150 - first), 150)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page = signed_in.page
    page.route(f"**/imports/{job_id}/coverage?*", answer)
    page.goto(f"/admin/imports/status/{job_id}")
    rows = page.locator("#heatmap .hm-row:not(.hm-axis)")
    expect(rows).to_have_count(100)

    assert signed_in.text("#coverage-shown") == "Showing 100 of 150 meters."
    assert signed_in.text("#coverage-more") == "Show 50 more meters"
    assert rows.nth(1).locator(".hm-label").inner_text() == "1800000000001 · export"
    assert rows.nth(0).locator(".hm-cell").count() == 30
    page.click("#coverage-more")
    expect(rows).to_have_count(150)
    assert asked == ["", "100"]
    assert rows.nth(149).locator(".hm-label").inner_text() == "1800000000149 · export"
    assert page.locator("#coverage-more").is_hidden() and page.locator("#coverage-shown").is_hidden()
    assert signed_in.text("#coverage-summary").startswith("150 meters, 4,500 meter-days: 4,500 complete;")
