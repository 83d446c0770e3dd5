import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '../core/app-error';
import { parseInput } from '../http/parse-input';
import { runAsync } from '../http/run-async';
import { previewMapping, runMappingTests, type CompiledMapping, type MappingPreview } from '../mapping';
import type { MappingTestRun } from '../mapping/mapping-test-runner';
import { exceedsJsonDepth } from '../receiver/json-depth';
import type { ConsoleDeps } from './console-deps';
import { page } from './console-layout';
import { callerOf, requireCsrf } from './console-session';
import { html, prettyJson, type SafeHtml } from './html';
import { issuesTable } from './console-issues';

const previewForm = z.object({
  delivery: z.string().optional(),
  eventId: z
    .string()
    .regex(/^\d{0,15}$/, 'must be an event id')
    .optional(),
  mapping: z.string().max(500).optional(),
  _csrf: z.string().optional(),
});
const testForm = z.object({ filter: z.string().max(255).optional(), _csrf: z.string().optional() });

interface Outcome {
  preview?: MappingPreview;
  tests?: MappingTestRun;
}

/**
 * The mapping playground: paste a delivery (or give a stored event's id), map it with the live mapping of its
 * resource.type or with a chosen one, and see the record or the errors with their paths; run the mapping files'
 * own test cases and see the diffs. Nothing is stored. POSTs (they carry a body) need the session's CSRF token.
 * @remarks The pasted delivery is bounded like a webhook: server.bodyLimitBytes, receiver.maxDepth levels, checked
 * before it is parsed.
 */
export function consolePlaygroundRouter(deps: ConsoleDeps): Router {
  const router = Router();
  const { mappings } = deps.admin;
  // URL encoding at most triples a body's size.
  const form = express.urlencoded({ extended: false, limit: mappings.bodyLimitBytes * 3, parameterLimit: 10 });

  const send = (
    req: Request,
    res: Response,
    outcome: Outcome,
    values: { delivery?: string; eventId?: string; mapping?: string; filter?: string },
  ) => {
    const result = resultOf(outcome);
    if (req.headers['hx-request']) return res.type('html').send(result.text);
    const body = html`${playgroundForms(deps.mappingList(), callerOf(res).csrf, values)}${result}`;
    res.type('html').send(page({ title: 'Mapping playground', active: 'playground', caller: callerOf(res), body }).text);
  };

  router.get('/playground', (req, res) => {
    const eventId = typeof req.query.eventId === 'string' && /^\d{1,15}$/.test(req.query.eventId) ? req.query.eventId : undefined;
    send(req, res, {}, { eventId });
  });

  router.post('/playground/preview', form, requireCsrf(), (req, res, next) => {
    runAsync(next, async () => {
      const f = parseInput(previewForm, req.body, 'body');
      const delivery = f.eventId ? await storedDelivery(deps, Number(f.eventId)) : pasted(f.delivery ?? '', mappings.maxDepth);
      const chosen = f.mapping ? deps.mappingList().find((m) => m.file === f.mapping) : undefined;
      if (f.mapping && !chosen) throw new AppError('API_BAD_REQUEST', `body parameter mapping: no loaded mapping file ${f.mapping}`);
      const find = chosen ? () => chosen : mappings.mappingFor;
      send(req, res, { preview: await previewMapping(find, delivery) }, f);
    });
  });

  router.post('/playground/test', form, requireCsrf(), (req, res, next) => {
    runAsync(next, async () => {
      const f = parseInput(testForm, req.body, 'body');
      send(req, res, { tests: await runMappingTests(mappings.mappingsDir, f.filter || undefined) }, f);
    });
  });

  return router;
}

function pasted(text: string, maxDepth: number): unknown {
  if (text.trim() === '')
    throw new AppError('API_BAD_REQUEST', 'body parameter delivery: paste a delivery or give an event id', { parameter: 'delivery' });
  const bytes = Buffer.from(text, 'utf8');
  if (exceedsJsonDepth(bytes, maxDepth))
    throw new AppError('API_BAD_REQUEST', `body parameter delivery: nested deeper than ${maxDepth} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AppError('API_BAD_REQUEST', `body parameter delivery: not valid JSON (${(err as Error).message})`, { parameter: 'delivery' });
  }
}

async function storedDelivery(deps: ConsoleDeps, id: number): Promise<unknown> {
  const event = await deps.admin.events.get(id);
  if (!event) throw new AppError('EVENT_NOT_FOUND', `no event with id ${id}`);
  if (event.payloadPurgedAt) throw new AppError('EVENT_PAYLOAD_PURGED', `event ${id}: body purged by retention`);
  try {
    return JSON.parse(event.body.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

function playgroundForms(
  list: CompiledMapping[],
  csrf: string,
  v: { delivery?: string; eventId?: string; mapping?: string; filter?: string },
): SafeHtml {
  return html`<section aria-labelledby="h-preview">
      <h2 id="h-preview">Map a delivery</h2>
      <form
        method="post"
        action="/console/playground/preview"
        hx-post="/console/playground/preview"
        hx-target="#playground-result"
        hx-swap="outerHTML"
      >
        <input type="hidden" name="_csrf" value="${csrf}" />
        <label for="delivery">Delivery (JSON, as AppDirect sends it)</label>
        <textarea id="delivery" name="delivery" rows="12" spellcheck="false">${v.delivery ?? ''}</textarea>
        <div class="fields">
          <label>or a stored event's id <input name="eventId" inputmode="numeric" value="${v.eventId ?? ''}" /></label>
          <label
            >Mapping
            <select name="mapping">
              <option value="">the live mapping of its resource.type</option>
              ${list.map((m) => html`<option value="${m.file}" ${m.file === v.mapping ? html`selected` : ''}>${m.file} (${m.entity})</option>`)}
            </select></label
          >
        </div>
        <button type="submit">Map it</button>
      </form>
    </section>
    <section aria-labelledby="h-tests">
      <h2 id="h-tests">Run the mapping files' tests</h2>
      <form
        method="post"
        action="/console/playground/test"
        hx-post="/console/playground/test"
        hx-target="#playground-result"
        hx-swap="outerHTML"
      >
        <input type="hidden" name="_csrf" value="${csrf}" />
        <label>Only cases whose name or file contains <input name="filter" value="${v.filter ?? ''}" /></label>
        <button type="submit">Run tests</button>
      </form>
    </section>`;
}

function resultOf(o: Outcome): SafeHtml {
  let inner = html``;
  if (o.preview) inner = previewResult(o.preview);
  if (o.tests) inner = testsResult(o.tests);
  return html`<section id="playground-result" aria-live="polite">${inner}</section>`;
}

function previewResult(p: MappingPreview): SafeHtml {
  if (p.ok) {
    return html`<h2>✓ Mapped by <code>${p.mapping}</code> to ${p.entity} <code>${p.key}</code></h2>
      <p>Mapping version ${p.mappingVersion}.</p>
      <pre id="preview-record">${prettyJson({ ...p.data, ...(Object.keys(p.links).length ? { links: p.links } : {}) })}</pre>`;
  }
  return html`<h2>✗ Not mapped${p.mapping ? html` by <code>${p.mapping}</code>` : ''}</h2>
    ${issuesTable('preview-errors', p.errors)}`;
}

function testsResult(t: MappingTestRun): SafeHtml {
  return html`<h2>${t.failed === 0 && t.problems.length === 0 ? '✓' : '✗'} ${t.passed} passed, ${t.failed} failed</h2>
    ${t.problems.map((p) => html`<p class="problem">File <code>${p.file}</code> does not load: ${p.message}</p>`)}
    <ul class="test-results">
      ${t.results.map(
        (r) =>
          html`<li>
            ${r.passed ? '✓ passed' : '✗ failed'}:
            <code>${r.file}</code> ${r.name}${r.failure ? html`<pre class="diff">${r.failure}</pre>` : ''}
          </li>`,
      )}
    </ul>`;
}
