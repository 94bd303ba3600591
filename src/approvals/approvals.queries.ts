import { AppError } from '../shared/errors.js';
import { decodeCursor, encodeCursor as encodeAt } from '../shared/cursor.js';
import type { Executor } from '../shared/db.js';
import type { WindowName } from '../shared/windows.js';
import { approvalsOverview } from './approvals.overview.js';
import type { ApproverDirectory, ApproverInfo } from './approvals.ports.js';
import { findPolicy, findRequest, listEvents, listPolicies, type RequestRow } from './approvals.repo.js';
import { eligibility, subjectOf, undecidable, type Policy, type RequestStatus } from './approvals.rules.js';

export interface ListFilter {
  status?: RequestStatus[];
  kind?: string;
  awaitingMe?: boolean;
  requestedBy?: string;
  /** Requests about any of these entities (a client page: the client, its limits, its addresses). */
  entities?: { type: string; id: string }[];
  cursor?: string;
  limit: number;
}

const encodeCursor = (r: RequestRow) => encodeAt(r.created_at, r.id);

export interface ApprovalQueriesDeps {
  db: Executor;
  directory: ApproverDirectory;
  /** A client requester's name, from the clients domain (absent: clients are shown by id only). */
  clientName?: (db: Executor, id: string) => Promise<string | null>;
}

/** The people a set of requests refers to: operators (requester, approvers, rejector) and client requesters. */
export interface RequestPeople {
  people: Map<string, ApproverInfo | undefined>;
  clients: Map<string, string | null>;
}

/** Read side of the engine: lists, detail with history, eligible secondaries, policies. */
export function createApprovalQueries(deps: ApprovalQueriesDeps) {
  const { db, directory } = deps;

  /** Looks up only the people these requests name (a page of a list, one detail), each once. */
  async function peopleOf(requests: RequestRow[]): Promise<RequestPeople> {
    const operatorIds = new Set<string>();
    const clientIds = new Set<string>();
    for (const r of requests) {
      if (r.requested_by_id && r.requested_by_type === 'client') clientIds.add(r.requested_by_id);
      for (const id of [
        r.requested_by_type === 'operator' ? r.requested_by_id : null,
        r.primary_approver_id,
        r.secondary_approver_id,
        r.rejected_by,
      ]) {
        if (id) operatorIds.add(id);
      }
    }
    const people = new Map(
      await Promise.all([...operatorIds].map(async (id) => [id, await directory.get(db, id)] as const)),
    );
    const clientName = deps.clientName;
    const clients = new Map(
      clientName
        ? await Promise.all([...clientIds].map(async (id) => [id, await clientName(db, id)] as const))
        : [],
    );
    return { people, clients };
  }

  async function list(filter: ListFilter, me: string) {
    let q = db.selectFrom('change_requests').selectAll();
    if (filter.status?.length) q = q.where('status', 'in', filter.status);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.requestedBy) q = q.where('requested_by_id', '=', filter.requestedBy);
    const entities = filter.entities;
    if (entities) {
      if (entities.length === 0) return { items: [], nextCursor: null };
      q = q.where((eb) =>
        eb.or(entities.map((e) => eb.and([eb('entity_type', '=', e.type), eb('entity_id', '=', e.id)]))),
      );
    }
    if (filter.awaitingMe)
      q = q.where('status', '=', 'awaiting_secondary').where('secondary_approver_id', '=', me);
    if (filter.cursor) {
      const c = decodeCursor(filter.cursor);
      q = q.where((eb) =>
        eb.or([eb('created_at', '<', c.at), eb.and([eb('created_at', '=', c.at), eb('id', '<', c.id)])]),
      );
    }
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit + 1)
      .execute();
    const page = rows.slice(0, filter.limit);
    return {
      items: page,
      nextCursor:
        rows.length > filter.limit && page.length ? encodeCursor(page[page.length - 1] as RequestRow) : null,
    };
  }

  async function awaitingMeCount(me: string): Promise<number> {
    const row = await db
      .selectFrom('change_requests')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '=', 'awaiting_secondary')
      .where('secondary_approver_id', '=', me)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function get(id: string) {
    const request = await findRequest(db, id);
    if (!request) throw new AppError('NOT_FOUND', `Change request ${id} was not found.`);
    const history = await listEvents(db, id);
    const requester = request.requested_by_type === 'operator' ? request.requested_by_id : null;
    const blocked = undecidable(
      request.policy as Policy,
      subjectOf(request),
      request.status,
      await directory.listActive(db),
      requester,
      request.primary_approver_id,
    );
    return { request, history, undecidable: blocked, ...(await peopleOf([request])) };
  }

  /** Whether a request of `kind` filed by `requesterId` now could be decided at all (the form's warning). */
  async function eligibilityFor(kind: string, requesterId: string) {
    const policy = await findPolicy(db, kind);
    if (!policy) throw new AppError('NOT_FOUND', `There is no policy for ${kind}.`);
    return undecidable(policy, { payload: {} }, 'pending', await directory.listActive(db), requesterId, null);
  }

  /** Who the primary may name right now: eligible for the secondary step, minus requester and primary. */
  async function eligibleApprovers(id: string, primaryId: string) {
    const request = await findRequest(db, id);
    if (!request) throw new AppError('NOT_FOUND', `Change request ${id} was not found.`);
    const requester = request.requested_by_type === 'operator' ? request.requested_by_id : null;
    const primary = request.primary_approver_id ?? primaryId;
    const everyone = await directory.listActive(db);
    return everyone.filter(
      (p) =>
        p.id !== primary &&
        eligibility(request.policy as Policy, subjectOf(request), 'secondary', p, requester, primary) ===
          null,
    );
  }

  return {
    list,
    awaitingMeCount,
    get,
    peopleOf,
    eligibleApprovers,
    eligibilityFor,
    policies: () => listPolicies(db),
    /** The overview: what waits now and requests filed and decided over a window. */
    overview: (window: WindowName, now: Date) => approvalsOverview(db, window, now),
  };
}

export type ApprovalQueries = ReturnType<typeof createApprovalQueries>;
