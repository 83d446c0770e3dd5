/**
 * REST items brought to the shape of a webhook's `resource.content`, so one mapping file reads both (ADR 0028).
 * Only the types whose REST and webhook shapes differ have an adapter; the others pass through unchanged
 * (subscriptions and orders: the webhook URL is the REST read, the body the same).
 * @remarks Pure functions of one item: no I/O, no clock. A field the webhook shape has and the REST item lacks is
 * left out (the mapping reads it as null), never invented.
 */
export type RestAdapter = (item: Record<string, unknown>) => Record<string, unknown>;

/** Company v2 (`/api/account/v2/companies`) → the v1 webhook content: `id`, `contact{phoneNumber, address}`. */
export const companyFromRest: RestAdapter = (item) => {
  const { address, phoneNumber, ...rest } = item;
  return { ...rest, id: item.uuid, contact: { phoneNumber: phoneNumber ?? null, address: address ?? null } };
};

/** User v2 → the v1 webhook content: `id` is the uuid, `username` the v2 `userName`, `status` from `activated`. */
export const userFromRest: RestAdapter = (item) => {
  const { userName, activated, ...rest } = item;
  return {
    ...rest,
    id: item.uuid,
    username: userName ?? null,
    status: activated === undefined ? null : activated ? 'ACTIVE' : 'INACTIVE',
  };
};

/**
 * Membership v2 (`{user, company, roles, enabled}`) → the webhook content, "the USER content plus `roles` and
 * `enabled`", with the company kept as `company` (webhooks name it only in resource.url).
 */
export const membershipFromRest: RestAdapter = (item) => {
  const user = isObject(item.user) ? userFromRest(item.user) : {};
  return { ...user, roles: item.roles ?? [], enabled: item.enabled ?? null, company: item.company ?? null };
};

/**
 * Billing v1 invoice (`invoiceId`, number) → the appmarket webhook shape: `id` is the invoice number (that is
 * how a REST invoice is matched to a webhook invoice, ADR 0028), `invoiceNumber` its display form,
 * `paymentTerms.dueDate` and `invoiceDate` from the REST dates, lines renamed to the mapping's names.
 */
export const invoiceFromRest: RestAdapter = (item) => {
  const { invoiceId, creationDate, dueDate, invoiceLines, ...rest } = item;
  return {
    ...rest,
    id: String(invoiceId),
    invoiceNumber: item.referenceNumber ?? String(invoiceId),
    invoiceDate: creationDate ?? null,
    paymentTerms: { dueDate: dueDate ?? null },
    invoiceLines: Array.isArray(invoiceLines)
      ? invoiceLines.map((l) => (isObject(l) ? { ...l, unitPrice: l.price ?? null, totalPrice: l.total ?? null } : l))
      : undefined,
  };
};

/**
 * Catalog product (`/api/channel/v1/applications` item) → the CATALOG_PRODUCT webhook content, which nests the
 * product under `application`.
 */
export const catalogProductFromRest: RestAdapter = (item) => ({
  application: {
    id: item.id,
    uuid: item.uuid ?? null,
    name: item.name ?? null,
    vendor: item.vendorName === undefined ? null : { name: item.vendorName },
  },
  productType: item.productType ?? null,
  publishedOn: item.publishedOn ?? null,
  lastModified: item.lastModified ?? null,
  addon: item.addon ?? null,
  buyable: item.buyable ?? null,
});

export const identity: RestAdapter = (item) => item;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
