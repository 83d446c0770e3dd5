import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { SalesforceOrg } from './salesforce-contract-org';

/** One ingest job of the fake org, with what its lifecycle requests saw. */
export interface FakeIngestJob {
  id: string;
  object: string;
  operation: string;
  externalIdFieldName: string;
  state: 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
  csv: string;
  successful: Array<Record<string, string>>;
  failed: Array<Record<string, string>>;
  unprocessed: Array<Record<string, string>>;
  /** GETs of the job that still answer InProgress, so the client polls at least once. */
  pollsLeft: number;
}

export interface BulkJobs {
  jobs: Map<string, FakeIngestJob>;
  handle(method: string, path: string, body: unknown, version: string): { status: number; body: unknown };
}

const bad = (errorCode: string, message: string) => ({ status: 400, body: [{ errorCode, message }] });

/**
 * Bulk API 2.0 ingest jobs under /services/data/vXX.X/jobs/ingest, as documented: POST creates a job
 * (`{ object, operation, externalIdFieldName }`, state Open); PUT /{id}/batches takes the CSV (201); PATCH /{id}
 * `{ state: UploadComplete }` closes it; GET /{id} answers InProgress once, then JobComplete with its counts;
 * GET /{id}/successfulResults (`sf__Id`, `sf__Created`, the columns), /failedResults (`sf__Id`, `sf__Error` as
 * `STATUS_CODE:message:fields --`, the columns) and /unprocessedrecords (the columns) as CSV.
 */
export function startBulkJobs(org: SalesforceOrg, unprocessed?: (object: string, externalId: string) => boolean): BulkJobs {
  const jobs = new Map<string, FakeIngestJob>();
  let next = 1;
  const info = (job: FakeIngestJob, version: string) => ({
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: '005000000000001AAA',
    createdDate: new Date().toISOString(),
    systemModstamp: new Date().toISOString(),
    state: job.state,
    externalIdFieldName: job.externalIdFieldName,
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: Number(version),
    jobType: 'V2Ingest',
    lineEnding: 'LF',
    columnDelimiter: 'COMMA',
    numberRecordsProcessed: job.successful.length + job.failed.length,
    numberRecordsFailed: job.failed.length,
  });

  const process = (job: FakeIngestJob) => {
    const rows = parse(job.csv, { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
    for (const row of rows) {
      if (unprocessed?.(job.object, row[job.externalIdFieldName] ?? '')) {
        job.unprocessed.push(row);
        continue;
      }
      const fields: Record<string, unknown> = {};
      for (const [column, value] of Object.entries(row)) {
        if (value === '') continue; // Bulk API 2.0: an empty value leaves the field as it is.
        const [field, refField] = column.split('.');
        if (refField !== undefined) fields[field as string] = { [refField]: value };
        else fields[column] = value === '#N/A' ? null : value;
      }
      const outcome = org.upsert(job.object, fields);
      if (outcome.success) job.successful.push({ sf__Id: outcome.id, sf__Created: String(outcome.created), ...row });
      else {
        const { statusCode, message, fields: named } = outcome.error;
        job.failed.push({ sf__Id: '', sf__Error: `${statusCode}:${message}:${named.join(',')} --`, ...row });
      }
    }
  };

  const csvOf = (rows: Array<Record<string, string>>, lead: string[], job: FakeIngestJob) => {
    const header = parse(job.csv, { to_line: 1 }) as string[][];
    return stringify(rows, { header: true, columns: [...lead, ...(header[0] ?? [])], record_delimiter: 'unix' });
  };

  const handle = (method: string, path: string, body: unknown, version: string) => {
    if (method === 'POST' && path === '') {
      const { object, operation, externalIdFieldName } = (body ?? {}) as Record<string, string | undefined>;
      if (operation !== 'upsert' || externalIdFieldName !== org.externalIdField || (object !== 'Account' && object !== 'Contact'))
        return bad('INVALIDJOB', `InvalidJob : upsert of Account or Contact by ${org.externalIdField} only`);
      const job: FakeIngestJob = {
        id: `750${String(next++).padStart(15, '0')}`,
        object,
        operation,
        externalIdFieldName,
        state: 'Open',
        csv: '',
        successful: [],
        failed: [],
        unprocessed: [],
        pollsLeft: 1,
      };
      jobs.set(job.id, job);
      return { status: 200, body: info(job, version) };
    }
    const match = /^\/(\w+)(\/\w+)?$/.exec(path);
    const job = match ? jobs.get(match[1] as string) : undefined;
    if (!match || !job) return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
    const sub = match[2];
    if (method === 'PUT' && sub === '/batches') {
      if (job.state !== 'Open') return bad('INVALIDJOBSTATE', 'Job is not open for uploads');
      job.csv += String(body);
      return { status: 201, body: '' };
    }
    if (method === 'PATCH' && sub === undefined) {
      const { state } = (body ?? {}) as { state?: string };
      if (state !== 'UploadComplete' && state !== 'Aborted') return bad('INVALIDJOBSTATE', `cannot move to ${String(state)}`);
      if (job.state !== 'Open') return bad('INVALIDJOBSTATE', 'Job is not open');
      job.state = state;
      if (state === 'UploadComplete') process(job);
      return { status: 200, body: info(job, version) };
    }
    if (method === 'GET' && sub === undefined) {
      if (job.state === 'UploadComplete' || job.state === 'InProgress') {
        job.state = job.pollsLeft-- > 0 ? 'InProgress' : 'JobComplete';
      }
      return { status: 200, body: info(job, version) };
    }
    if (method === 'GET' && job.state === 'JobComplete') {
      if (sub === '/successfulResults') return { status: 200, body: csvOf(job.successful, ['sf__Id', 'sf__Created'], job) };
      if (sub === '/failedResults') return { status: 200, body: csvOf(job.failed, ['sf__Id', 'sf__Error'], job) };
      if (sub === '/unprocessedrecords') return { status: 200, body: csvOf(job.unprocessed, [], job) };
    }
    return bad('INVALIDJOBSTATE', `no ${method} ${path} in state ${job.state}`);
  };
  return { jobs, handle };
}
