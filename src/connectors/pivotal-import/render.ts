// The bytes the importer stores: a story as a readable Markdown file, everything else as canonical JSON (sorted keys,
// so the same data always gives the same bytes and the same version, whatever order Python's dicts had).
//
// A story's Markdown, top to bottom:
//   # <title>
//   - Type, State, Requested by, Owners, Labels, Epic, Deadline, Created, Updated, Story (link to Tracker)
//   ## Description       verbatim: Tracker descriptions are Markdown already
//   ## Tasks             a checklist, in Tracker's order
//   ## Comments          "### <author>, <time>", the text verbatim, then its attachments as links relative to the file
//   <details>            the story, its tasks and comments exactly as exported (canonical JSON), so no field is lost
// Names shown in headings and lists are cleaned for display only (control and bidi characters become U+FFFD, Markdown
// punctuation is escaped); the data block keeps them as they were.

import { createHash } from 'node:crypto';
import type { Comment, Epic, FileAttachment, Story, Task } from './shape.ts';

/** A copy with every object's keys sorted, recursively. */
function sortedCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedCopy);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortedCopy((v as Record<string, unknown>)[k]);
  return out;
}

/** Canonical JSON: sorted keys, 2-space indent, a trailing newline. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortedCopy(v), null, 2) + '\n';
}

/** One line of JSON with sorted keys (for JSON Lines). */
export function jsonLine(v: unknown): string {
  return JSON.stringify(sortedCopy(v));
}

/** The version label of stored bytes: the first 16 hex digits of their sha256. */
export function versionOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

const unsafeDisplay = /[\p{Cc}\p{Cs}\u2028\u2029\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u206A-\u206F\uFEFF]/gu;

/** A name for one line of Markdown: whitespace runs as one space, invisible controls shown as U+FFFD, punctuation escaped. */
export function inline(text: string): string {
  return text
    .replace(/[\t\n\r\f\v\u2028\u2029]+/g, ' ')
    .replace(unsafeDisplay, '\uFFFD')
    .replace(/ {2,}/g, ' ')
    .trim()
    .replace(/[\\`*_[\]<>|~#]/g, (c) => `\\${c}`);
}

/** "2024-05-01 09:00:00 UTC" from an ISO time. */
export function when(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, ' UTC');
}

/** A path segment in a Markdown link destination: percent-encoded, parentheses too. */
export function linkSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/\(/g, '%28').replace(/\)/g, '%29');
}

/** A fence longer than any run of backticks in the text (CommonMark). */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

export interface StoryView {
  story: Story;
  tasks: Task[];
  comments: Comment[];
  /** The epics whose label the story carries. */
  epics: Epic[];
  /** A person's display name. */
  nameOf(personId: number): string;
  /** The link to an attachment's file relative to the story's file, or undefined when the export lacks the file. */
  attachmentHref(a: FileAttachment): string | undefined;
}

export function renderStory(v: StoryView): string {
  const s = v.story;
  const out: string[] = [`# ${inline(s.name) || `Story ${s.id}`}`, ''];
  const facts: Array<[string, string]> = [];
  facts.push(['Type', s.storyType + (s.estimate !== undefined ? `, ${s.estimate} point${s.estimate === 1 ? '' : 's'}` : '')]);
  facts.push(['State', s.currentState + (s.acceptedAt ? ` (accepted ${when(s.acceptedAt)})` : '')]);
  facts.push(['Requested by', inline(v.nameOf(s.requestedById))]);
  if (s.ownerIds.length > 0) facts.push(['Owners', s.ownerIds.map((id) => inline(v.nameOf(id))).join(', ')]);
  if (s.labels.length > 0) facts.push(['Labels', s.labels.map((l) => inline(l.name)).join(', ')]);
  if (v.epics.length > 0) facts.push([v.epics.length === 1 ? 'Epic' : 'Epics', v.epics.map((e) => inline(e.name)).join(', ')]);
  if (s.deadline) facts.push(['Deadline', when(s.deadline)]);
  facts.push(['Created', when(s.createdAt)], ['Updated', when(s.updatedAt)]);
  facts.push(['Story', s.url && /^https?:\/\/[^\s<>]+$/.test(s.url) ? `[#${s.id}](<${s.url}>)` : `#${s.id}`]);
  for (const [k, val] of facts) out.push(`- **${k}:** ${val}`);
  out.push('');
  if (s.description !== undefined && s.description.trim() !== '') out.push('## Description', '', s.description.replace(/\s+$/, ''), '');
  if (v.tasks.length > 0) {
    out.push('## Tasks', '');
    for (const t of v.tasks) out.push(`- [${t.complete ? 'x' : ' '}] ${inline(t.description) || '(empty task)'}`);
    out.push('');
  }
  if (v.comments.length > 0) {
    out.push('## Comments', '');
    for (const c of v.comments) {
      out.push(`### ${inline(v.nameOf(c.personId))}, ${when(c.createdAt)}`, '');
      out.push(c.text !== undefined && c.text.trim() !== '' ? c.text.replace(/\s+$/, '') : '*(no text)*', '');
      if (c.files.length + c.links.length > 0) {
        for (const f of c.files) {
          const href = v.attachmentHref(f);
          const about = `${f.contentType ? `${inline(f.contentType)}, ` : ''}${f.size.toLocaleString('en-US')} bytes`;
          out.push(href ? `- Attachment: [${inline(f.filename) || `attachment ${f.id}`}](${href}) (${about})` : `- Attachment: ${inline(f.filename)} (${about}), not in the export`);
        }
        for (const l of c.links) out.push(/^https?:\/\/[^\s<>]+$/.test(l.url) ? `- Google attachment: [${inline(l.title)}](<${l.url}>)` : `- Google attachment: ${inline(l.title)} (${inline(l.url)})`);
        out.push('');
      }
    }
  }
  const data = canonicalJson({ story: s.raw, tasks: v.tasks.map((t) => t.raw), comments: v.comments.map((c) => c.raw) }).trimEnd();
  const fence = fenceFor(data);
  out.push('<details>', '<summary>The story as exported</summary>', '', `${fence}json`, data, fence, '', '</details>', '');
  return out.join('\n');
}
