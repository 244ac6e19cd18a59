"""The example site's to-do island in chromium: editing an item's text in place.

A double-click on the text or the Edit button turns it into a field; Enter (or
leaving the field) saves through ``PATCH /api/todos/<id>``, Escape puts the old
text back without a request. One ``atoll serve`` for the module (its own to-do
database), one dev reader per test, so each test starts from an empty list.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from e2e_helpers import HTML_NAME, MALLORY, READER, WRITER, AtollSite, Reader

pytestmark = pytest.mark.browser

Readers = Callable[[str], Reader]


def add(page: Page, text: str) -> Locator:
    island = page.locator("[data-todos]")
    island.locator("input[name=text]").fill(text)
    island.locator("button[type=submit]").click()
    item = island.locator("li", has_text=text)
    expect(item).to_have_count(1)
    # by id, not by text: while it is edited, the text is a field's value
    return island.locator(f"li[data-todo-id='{item.get_attribute('data-todo-id')}']")


def saved_texts(reader: Reader) -> list[str]:
    answer = reader.fetch("/api/todos")
    assert answer["status"] == 200
    return [todo["text"] for todo in answer["body"]["todos"]]


def test_double_click_edits_enter_saves_and_escape_puts_it_back(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.sign_in(READER, "/todos/")
    page = reader.page
    item = add(page, "buy milk")

    item.locator("span").dblclick()
    field = item.get_by_role("textbox", name="Edit “buy milk”")
    expect(field).to_be_focused()
    expect(field).to_have_value("buy milk")
    expect(item.locator("input[type=checkbox]")).not_to_be_checked()  # a double-click does not tick it
    field.fill("  buy oat milk  ")
    field.press("Enter")
    edited = item
    expect(edited.locator("span")).to_have_text("buy oat milk")
    expect(edited.get_by_role("button", name="Edit “buy oat milk”")).to_be_focused()
    assert saved_texts(reader) == ["buy oat milk"]

    patches = len(reader.requested(f"{dev_site.url}/api/todos/", "PATCH"))
    edited.get_by_role("button", name="Edit “buy oat milk”").click()
    field = edited.get_by_role("textbox")
    field.fill("something else entirely")
    field.press("Escape")
    expect(edited.locator("span")).to_have_text("buy oat milk")
    expect(edited.get_by_role("textbox")).to_have_count(0)
    expect(edited.get_by_role("button", name="Edit “buy oat milk”")).to_be_focused()
    assert len(reader.requested(f"{dev_site.url}/api/todos/", "PATCH")) == patches

    edited.locator("span").dblclick()
    edited.get_by_role("textbox").fill("   ")
    edited.get_by_role("textbox").press("Enter")
    expect(page.locator("[data-todos-status]")).to_have_text("A to-do needs some text; Escape keeps it as it was.")
    edited.get_by_role("textbox").press("Escape")
    expect(edited.locator("span")).to_have_text("buy oat milk")

    page.reload()
    expect(page.locator("[data-todos] li span")).to_have_text(["buy oat milk"])
    reader.assert_clean()


def test_the_list_is_usable_from_the_keyboard_alone(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.sign_in(WRITER, "/todos/")
    page = reader.page
    keyboard = page.keyboard
    island = page.locator("[data-todos]")
    new = island.get_by_role("textbox", name="New to-do")
    expect(new).to_be_visible()
    while not new.evaluate("(element) => element === document.activeElement"):
        keyboard.press("Tab")  # from the top of the page, past the skip link, header and text

    keyboard.type("water the plants")
    keyboard.press("Enter")
    expect(island.locator("li span")).to_have_text(["water the plants"])
    keyboard.press("Tab")  # the Add button
    keyboard.press("Tab")
    box = island.get_by_role("checkbox", name="water the plants")
    expect(box).to_be_focused()
    keyboard.press("Space")
    expect(box).to_be_checked()
    expect(island.get_by_role("checkbox", name="water the plants")).to_be_focused()  # kept across the redraw

    keyboard.press("Tab")
    expect(island.get_by_role("button", name="Edit “water the plants”")).to_be_focused()
    keyboard.press("Enter")
    field = island.get_by_role("textbox", name="Edit “water the plants”")
    expect(field).to_be_focused()
    keyboard.type("water the ferns")  # the old text is selected, so typing replaces it
    keyboard.press("Enter")
    expect(island.locator("li span")).to_have_text(["water the ferns"])
    expect(island.get_by_role("button", name="Edit “water the ferns”")).to_be_focused()
    assert saved_texts(reader) == ["water the ferns"]

    keyboard.press("Enter")  # edit again, then change our mind
    keyboard.type("never mind")
    keyboard.press("Escape")
    expect(island.locator("li span")).to_have_text(["water the ferns"])
    expect(island.get_by_role("button", name="Edit “water the ferns”")).to_be_focused()

    keyboard.press("Tab")
    expect(island.get_by_role("button", name="Delete “water the ferns”")).to_be_focused()
    keyboard.press("Enter")
    expect(island.locator("li")).to_have_count(0)
    expect(new).to_be_focused()
    assert saved_texts(reader) == []
    reader.assert_clean()


def test_an_answer_arriving_during_an_edit_leaves_the_edit_alone(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.sign_in(READER, "/todos/")
    page = reader.page
    tag = uuid.uuid4().hex[:8]
    first, second = add(page, f"first {tag}"), add(page, f"second {tag}")
    held: list[Route] = []
    page.route("**/api/todos/*", lambda route: held.append(route) if route.request.method == "PATCH"
               else route.continue_())
    first.locator("input[type=checkbox]").check()  # its answer waits until released below
    while not held:
        page.wait_for_timeout(20)
    second.locator("span").dblclick()
    field = second.get_by_role("textbox", name=f"Edit “second {tag}”")
    expect(field).to_be_focused()
    held[0].continue_()
    expect(first).to_have_class("done")  # the tick's answer has been drawn...
    expect(field).to_be_focused()  # ...and the edit of another item is still there, still focused
    page.unroute("**/api/todos/*")
    field.press("End")
    page.keyboard.type(" and more")
    field.press("Enter")
    expect(second.locator("span")).to_have_text(f"second {tag} and more")
    reader.assert_clean()


def test_html_typed_into_an_edit_stays_text(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.sign_in(MALLORY, "/todos/")
    page = reader.page
    item = add(page, "harmless")
    payload = '<img src=z onerror="window.__pwned=3"><b>bold</b>'
    item.get_by_role("button", name="Edit “harmless”").click()
    item.get_by_role("textbox").fill(payload)
    item.get_by_role("textbox").press("Enter")
    island = page.locator("[data-todos]")
    expect(island.locator("li span")).to_have_text([payload])
    expect(island.get_by_role("button", name=f"Edit “{payload}”")).to_be_visible()
    assert saved_texts(reader) == [payload]

    island.get_by_role("button", name=f"Edit “{payload}”").click()
    field = island.get_by_role("textbox", name=f"Edit “{payload}”")
    expect(field).to_have_value(payload)
    field.press("Escape")
    page.reload()
    expect(island.locator("li span")).to_have_text([payload])
    assert island.locator("img, b").count() == 0
    expect(page.locator("[data-atoll-user]")).to_have_text(HTML_NAME)
    assert not reader.requested(f"{dev_site.url}/z")
    reader.assert_clean()
