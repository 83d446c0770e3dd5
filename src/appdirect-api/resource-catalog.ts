import type { BackfillEntity } from '../config/appdirect-api-schema';
import {
  catalogProductFromRest,
  companyFromRest,
  identity,
  invoiceFromRest,
  membershipFromRest,
  userFromRest,
  type RestAdapter,
} from './rest-to-webhook';

/** The three paging styles of AppDirect's lists (reference appdirect-rest-api.md §2). */
export type PagingStyle = 'page' | 'offset' | 'orders';

/** How to list one entity and turn each item into a webhook-shaped delivery. */
export interface ResourceListing {
  entity: BackfillEntity;
  /** The webhook `resource.type` the items become. */
  resourceType: string;
  /** The list path; `{companyUuid}` for the lists called per company (memberships). */
  path: string;
  paging: PagingStyle;
  /** The array in the page body: `content` (Spring pages), `orders`, or the body itself (bare arrays). */
  itemsKey: 'content' | 'orders' | undefined;
  /** The `resource.uuid` a webhook for this item would carry. */
  idOf(item: Record<string, unknown>, parent?: string): string | undefined;
  /** The `resource.url` a webhook for this item would carry (a path on the marketplace). */
  urlOf(id: string, parent?: string): string;
  /** The webhook-content shape of a REST item (ADR 0028). */
  adapt: RestAdapter;
  /** The list's `lastModified` filter (epoch ms), for an incremental reconcile; absent: full listings only. */
  lastModifiedFilter?: 'lastModified';
  /** Listed once per company (the API has no marketplace-wide membership list). */
  perCompany?: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const userUuidOf = (item: Record<string, unknown>) => str((item.user as Record<string, unknown> | undefined)?.uuid);

/** Every entity backfill and reconcile know, by name. Each path, paging style and id is from the reference. */
export const RESOURCE_LISTINGS: Readonly<Record<BackfillEntity, ResourceListing>> = {
  company: {
    entity: 'company',
    resourceType: 'COMPANY',
    path: '/api/account/v2/companies',
    paging: 'page',
    itemsKey: 'content',
    idOf: (i) => str(i.uuid),
    urlOf: (id) => `/api/account/v1/companies/${encodeURIComponent(id)}?isExternalId=false`,
    adapt: companyFromRest,
  },
  user: {
    entity: 'user',
    resourceType: 'USER',
    path: '/api/account/v2/users',
    paging: 'page',
    itemsKey: 'content',
    idOf: (i) => str(i.uuid),
    urlOf: (id) => `/api/account/v1/users/${encodeURIComponent(id)}?isExternalId=false`,
    adapt: userFromRest,
    lastModifiedFilter: 'lastModified',
  },
  membership: {
    entity: 'membership',
    resourceType: 'MEMBERSHIP',
    path: '/api/account/v2/companies/{companyUuid}/memberships',
    paging: 'page',
    itemsKey: 'content',
    // A user belongs to several companies: the pair is the key (ADR 0028).
    idOf: (i, company) => {
      const user = userUuidOf(i);
      return user && company ? `${company}:${user}` : undefined;
    },
    urlOf: (id) => {
      const [company, user] = id.split(':');
      return `/api/account/v1/companies/${encodeURIComponent(company ?? '')}/users/${encodeURIComponent(user ?? '')}`;
    },
    adapt: membershipFromRest,
    perCompany: true,
  },
  subscription: {
    entity: 'subscription',
    resourceType: 'SUBSCRIPTION',
    path: '/api/billing/v1/subscriptions',
    paging: 'offset',
    itemsKey: undefined,
    idOf: (i) => str(i.id),
    urlOf: (id) => `/api/billing/v1/subscriptions/${encodeURIComponent(id)}`,
    adapt: identity,
    lastModifiedFilter: 'lastModified',
  },
  order: {
    entity: 'order',
    resourceType: 'ORDER',
    path: '/api/billing/v1/orders',
    paging: 'orders',
    itemsKey: 'orders',
    idOf: (i) => str(i.id),
    urlOf: (id) => `/api/billing/v1/orders/${encodeURIComponent(id)}`,
    adapt: identity,
  },
  invoice: {
    entity: 'invoice',
    resourceType: 'INVOICE',
    path: '/api/billing/v1/invoices',
    paging: 'offset',
    itemsKey: undefined,
    // The invoice number: REST has no uuid, so a listed invoice is keyed by it (ADR 0028).
    idOf: (i) => str(i.invoiceId),
    urlOf: (id) => `/api/billing/v1/invoices/${encodeURIComponent(id)}`,
    adapt: invoiceFromRest,
  },
  catalog_product: {
    entity: 'catalog_product',
    resourceType: 'CATALOG_PRODUCT',
    path: '/api/channel/v1/applications',
    paging: 'page',
    itemsKey: 'content',
    idOf: (i) => str(i.id),
    urlOf: (id) => `/api/marketplace/v1/products/${encodeURIComponent(id)}`,
    adapt: catalogProductFromRest,
  },
};
