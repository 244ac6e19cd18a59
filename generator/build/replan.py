"""Planning again after front matter edits, by difference: the dev server's tag, title and date edits.

When edited pages keep their URL, layout, access, draft state and extra fields,
and change only what listings show of them (title, description, dates, tags)
or their body, every page keeps its output and only the order of the posts,
the tags and the tag pages can differ. :func:`replan_listed` makes that plan
from the previous one in time proportional to the edit rather than to the
site, and returns None whenever anything else may have changed: the caller
then plans the whole site (which is also what reports an author's errors).
The plan it returns equals the one :func:`~atoll.build.planning.plan_site`
would make.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, replace
from operator import attrgetter

from atoll.build.collections import Tag, make_tag, newest_first, newest_public, sort_tags, tag_slugs
from atoll.build.content import Page
from atoll.build.nav import in_nav
from atoll.build.planning import GENERATED, Claims, Plan, generated_tasks
from atoll.build.protect import PROTECTED, listed_in
from atoll.build.tasks import Kind, Task

# What an edit may change and keep every page's place in the plan (``lines`` only locates errors).
LISTED_FIELDS = frozenset({"title", "description", "date", "updated", "tags", "body", "body_line", "lines"})
_PLACED = tuple(f.name for f in fields(Page) if f.name not in LISTED_FIELDS)
PAGE_KINDS = frozenset({Kind.PAGE, Kind.PROMPT, Kind.FORBIDDEN})  # planned first, one page each


def same_place(old: Page, new: Page) -> bool:
    """Whether the plan keeps ``new`` where it kept ``old``: they differ only in what listings
    show and in the body (and not in the title of a page in a docs sidebar)."""
    if any(getattr(old, name) != getattr(new, name) for name in _PLACED):
        return False
    return old.title == new.title or not in_nav(old)


def replan_listed(plan: Plan, edited: Mapping[int, Page]) -> Plan | None:
    """``plan`` with the pages at these indexes (in ``plan.model.pages``) replaced, or None
    when one of them does not keep its place (:func:`same_place`) or a tag page it adds
    would clash with another output."""
    model = plan.model
    before = [model.pages[index] for index in edited]
    if not all(same_place(old, new) for old, new in zip(before, edited.values(), strict=True)):
        return None
    pages = replaced(model.pages, edited)
    # listed as before: the same access and the same site config
    shown = [page for page in edited.values() if listed_in(model.config, page, model.protection)]
    posts = _inserted(_without(model.posts, before), (p for p in shown if p.is_post))
    tags = _retagged(model.tags, before, shown)

    count = page_task_count(plan.tasks)
    claims = Claims()  # the generated outputs among themselves; against the rest, _clash below
    generated = generated_tasks(model.config, posts, tags, model.section_index, claims)
    added = {task.output for task in generated} - {task.output for task in plan.tasks[count:]}
    if claims.errors or (added and _clash(added, plan)):
        return None
    feed = frozenset(p.source for p in newest_public(posts, model.protection))
    new_model = replace(model, pages=pages, posts=tuple(posts), tags=tuple(tags), feed_sources=feed)
    return replace(plan, model=new_model, tasks=plan.tasks[:count] + generated)


def replaced(pages: Sequence[Page], edited: Mapping[int, Page]) -> tuple[Page, ...]:
    """``pages`` with the pages at these indexes replaced."""
    new = list(pages)
    for index, page in edited.items():
        new[index] = page
    return tuple(new)


def page_task_count(tasks: Sequence[Task]) -> int:
    """How many of a plan's tasks are its pages' (they come first; the generated ones are few)."""
    count = len(tasks)
    while count and tasks[count - 1].kind not in PAGE_KINDS:
        count -= 1
    return count


def _without(pages: Sequence[Page], gone: Iterable[Page]) -> list[Page]:
    """``pages`` (sorted by :func:`newest_first`) without ``gone``, each found by its key (the
    object there may be an earlier one of the same page: a body edit keeps listings as they are)."""
    kept = list(pages)
    for page in gone:
        at = bisect_left(kept, newest_first(page), key=newest_first)
        if at < len(kept) and kept[at].source == page.source:
            del kept[at]
    return kept


def _inserted(kept: list[Page], pages: Iterable[Page], times: int = 1) -> list[Page]:
    """``kept`` (newest first) with ``pages`` put in their places; keys are unique (URLs are)."""
    for page in pages:
        for _ in range(times):
            insort(kept, page, key=newest_first)
    return kept


def _retagged(tags: Sequence[Tag], before: list[Page], shown: list[Page]) -> list[Tag]:
    """The tags after the pages ``before`` became ``shown`` (the listed ones of the edited pages);
    tags no edited page is in, before or after, are kept as they were (the same objects)."""
    affected = {slug for page in (*before, *shown) for slug in tag_slugs(page)}
    gone = {page.source for page in before}
    kept = [tag for tag in tags if tag.slug not in affected]
    members = {tag.slug: [p for p in tag.pages if p.source not in gone] for tag in tags if tag.slug in affected}
    for slug in affected:
        tagged = members.setdefault(slug, [])
        for page in shown:
            _inserted(tagged, [page], times=tag_slugs(page).count(slug))
    return sort_tags([*kept, *(make_tag(slug, tagged) for slug, tagged in members.items() if tagged)])


def _clash(added: set[str], plan: Plan) -> bool:
    """Whether a new output is, or needs as a folder, a path another output has (the full
    planner tells which; this only has to notice, and may notice more than it reports)."""
    taken = {task.output for task in plan.tasks} | set(plan.files) | set(GENERATED)
    taken |= {output.removeprefix(PROTECTED) for output in plan.copies} | set(plan.copies)
    for output in added:
        parts = output.split("/")
        if output in taken or any("/".join(parts[:depth]) in taken for depth in range(1, len(parts))):
            return True
    under = tuple(output + "/" for output in added)
    return any(output.startswith(under) for output in taken)


def rendered_anew(old: Plan, new: Plan, edited: Iterable[int]) -> frozenset[str]:
    """The outputs of ``new`` whose own inputs (:meth:`~atoll.build.incremental.Fingerprints.task_key`)
    differ from ``old``'s, for ``new`` made by :func:`replan_listed` for the pages at ``edited``:
    the edited pages' files, the listing pagers whose posts moved or changed and the tag pages
    whose tag did. Outputs whose recorded dependencies (the collections: the tags index, say)
    changed are the reuse check's to find."""
    tasks = new.tasks
    count = page_task_count(tasks)
    outputs = set()
    for index in edited:  # a page's tasks are together, in page order
        at = bisect_left(tasks, index, hi=count, key=attrgetter("index"))
        while at < count and tasks[at].index == index:
            outputs.add(tasks[at].output)
            at += 1
    per_page = new.model.config.per_page
    moved = {i // per_page + 1 for i, (a, b) in enumerate(zip(old.model.posts, new.model.posts, strict=True))
             if a is not b}
    old_tags = {tag.slug: tag for tag in old.model.tags}
    retagged = {tag.slug for tag in new.model.tags if old_tags.get(tag.slug) is not tag}
    outputs.update(task.output for task in tasks[count:] if (task.kind is Kind.LISTING and task.index in moved)
                   or (task.kind is Kind.TAG and task.tag in retagged))
    return frozenset(outputs)


