/**
 * The two organizations the security matrix plays against each other: the bootstrap one ("home")
 * and a second one made through services.tenancy ("foreign"), each with an API user, a TC-Token and
 * one object of every writable v3 resource created through its own signed POST, all named with a
 * marker. Also the home credentials the failure cases are made of (disabled, rotated, expired).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { RESOURCES } from '../../src/resources/registry.js';
import type { ResourceDefinition } from '../../src/resources/types.js';
import { rawRequest, tcHeaders, type RawResponse } from '../support/http.js';
import type { TestServer } from '../support/server.js';
import type { Json } from '../support/v3.js';
import { signedHeaders, type AuthFailureCredentials, type Caller, type SchemeName } from '../support/signing-schemes.js';

/** A planted object: its id, its xid where it has one, its summary where it has one (an indicator's value, which v2 paths name it by). */
export interface PlantedObject { id: number; xid?: string; summary?: string }

export interface Tenant {
  side: 'home' | 'foreign';
  organization: { id: number; name: string; uuid: string };
  caller: Caller;
  /** In the name of every object this tenant plants or creates. */
  marker: string;
  /** Strings that identify this tenant's data: none may appear in an answer to the other tenant. */
  identifiers: string[];
  /** One object per writable v3 resource, by resource name. */
  planted: Map<string, PlantedObject>;
}

/** The OPTIONS descriptor of a resource: field name → property. */
type Descriptor = Record<string, { type?: string; required?: boolean; readOnly?: boolean; updatable?: boolean; maxLength?: number; minValue?: number; allowableValues?: string[] }>;

/** Values a declaration cannot suggest (an artifact's type must name an artifact type). */
let uniqueValues = 0;
/** An update body where the first updatable text field would not do (an indicator's updatable text is a File's hashes). */
const UPDATE_BODIES: Readonly<Record<string, Record<string, unknown>>> = {
  indicators: { rating: 2, confidence: 40 },
};

/** What a create needs beyond the required fields; a function where each create needs a value of its own (an indicator's). */
const CREATE_BODY_EXTRAS: Readonly<Record<string, Record<string, unknown> | (() => Record<string, unknown>)>> = {
  artifacts: { type: 'Host' },
  indicators: () => ({ type: 'Host', hostName: `matrix-${process.pid}-${++uniqueValues}.example.com` }),
  groups: { type: 'Adversary' },
  indicatorAttributes: { type: 'Title' },
  groupAttributes: { type: 'Title' },
  caseAttributes: { type: 'Title' },
};

/** A request body sent as these bytes with this Content-Type (a multipart upload), not as JSON. */
export class RawBody {
  constructor(readonly contentType: string, readonly payload: Buffer) {}
  toJSON(): string { return this.payload.toString('utf8'); }
}

const writableResources = (): ResourceDefinition[] => [...RESOURCES.values()].filter((r) => !r.readOnly);

export class MatrixWorld {
  home!: Tenant;
  foreign!: Tenant;
  failures!: AuthFailureCredentials;
  readonly #descriptors = new Map<string, Descriptor>();
  #counter = 0;

  constructor(readonly server: TestServer) {}

  other(tenant: Tenant): Tenant {
    return tenant === this.home ? this.foreign : this.home;
  }

  /** Sends `body` as JSON (a RawBody as its bytes) with the given headers, the target written verbatim on the request line. */
  send(method: string, target: string, headers: Record<string, string>, body?: unknown): Promise<RawResponse> {
    if (body === undefined) return rawRequest(this.server.baseUrl, method, target, headers);
    if (body instanceof RawBody) return rawRequest(this.server.baseUrl, method, target, { ...headers, 'Content-Type': body.contentType, 'Content-Length': String(body.payload.length) }, body.payload);
    const payload = JSON.stringify(body);
    return rawRequest(this.server.baseUrl, method, target, { 'Content-Type': 'application/json', ...headers, 'Content-Length': String(Buffer.byteLength(payload)) }, payload);
  }

  /** `headers`: a request's own (a TAXII POST's Content-Type), under the scheme's. */
  sendAs(caller: Caller, scheme: SchemeName, method: string, target: string, body?: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
    return this.send(method, target, { ...headers, ...signedHeaders(scheme, caller, method, target) }, body);
  }

  async prepare(): Promise<void> {
    const { services, bootstrap } = this.server;
    // Bulk delete is off by default; on, its route has something to do for the positive control.
    await services.store.db.updateTable('system_settings').set({ value: 'true' }).where('key', '=', 'v3ApiBulkDeleteAllowed').execute();

    const homeMarker = `home${crypto.randomBytes(5).toString('hex')}`;
    const foreignMarker = `frgn${crypto.randomBytes(5).toString('hex')}`;
    const homeCaller = await this.#withToken({ userId: bootstrap.apiUser.id, accessId: bootstrap.apiUser.accessId, secret: bootstrap.apiUser.secret, apiKey: bootstrap.organization.contrastApiKey });
    this.home = {
      side: 'home',
      organization: { id: bootstrap.organization.id, name: bootstrap.organization.name, uuid: bootstrap.organization.uuid },
      caller: homeCaller,
      marker: homeMarker,
      identifiers: [homeMarker, bootstrap.organization.name, bootstrap.community.name, bootstrap.organization.uuid, homeCaller.accessId, homeCaller.secret, homeCaller.apiKey],
      planted: new Map(),
    };
    const organization = await services.tenancy.createOrganization(`Foreign ${foreignMarker}`);
    const foreignCaller = await this.newApiUser(organization.name, 'foreign matrix user');
    this.foreign = {
      side: 'foreign',
      organization: { id: organization.id, name: organization.name, uuid: organization.uuid },
      caller: foreignCaller,
      marker: foreignMarker,
      identifiers: [foreignMarker, organization.name, organization.uuid, foreignCaller.accessId, foreignCaller.secret, foreignCaller.apiKey],
      planted: new Map(),
    };

    const disabled = await this.newApiUser(bootstrap.organization.name, 'disabled matrix user');
    await services.tenancy.setDisabled(disabled.accessId, true);
    const rotated = await this.newApiUser(bootstrap.organization.name, 'rotated matrix user');
    await services.tenancy.rotateSecret(rotated.accessId);
    services.credentials.invalidate();
    const expiredToken = services.tokens.issue(homeCaller.userId, homeCaller.secret, Math.floor(Date.now() / 1000) - 60);
    this.failures = { valid: homeCaller, disabled, rotated, expiredToken };

    for (const resource of writableResources()) {
      const answer = await this.sendAs(homeCaller, 'tc-hmac', 'OPTIONS', `/api/v3/${resource.name}`);
      assert.equal(answer.status, 200, `OPTIONS ${resource.name}: ${answer.body}`);
      this.#descriptors.set(resource.name, JSON.parse(answer.body) as Descriptor);
    }
    for (const tenant of [this.home, this.foreign]) {
      for (const resource of writableResources()) await this.#plantOnce(tenant, resource);
    }
  }

  /** A new API user with a TC-Token obtained over HTTP. */
  async newApiUser(organizationName: string, name: string): Promise<Caller> {
    const user = await this.server.services.tenancy.createApiUser(organizationName, name);
    return this.#withToken({ userId: user.id, accessId: user.accessId, secret: user.secret, apiKey: user.apiKey });
  }

  async #withToken(caller: Omit<Caller, 'token'>): Promise<Caller> {
    const target = '/api/v3/security/tokens';
    const answer = await this.send('POST', target, tcHeaders(caller.accessId, caller.secret, 'POST', target));
    assert.equal(answer.status, 201, `token for ${caller.accessId}: ${answer.body}`);
    return { ...caller, token: (JSON.parse(answer.body) as Json).data.token as string };
  }

  async #plantOnce(tenant: Tenant, resource: ResourceDefinition): Promise<PlantedObject> {
    const known = tenant.planted.get(resource.name);
    if (known) return known;
    const parent = resource.parents?.[0];
    if (parent) await this.#plantOnce(tenant, RESOURCES.get(parent.resource)!);
    const planted = await this.plant(tenant, resource);
    tenant.planted.set(resource.name, planted);
    if (planted.xid !== undefined) tenant.identifiers.push(planted.xid);
    return planted;
  }

  /** A new object of the tenant's, created with its own TC-signed POST (under its planted parent). */
  async plant(tenant: Tenant, resource: ResourceDefinition): Promise<PlantedObject> {
    const target = `/api/v3/${resource.name}`;
    const answer = await this.sendAs(tenant.caller, 'tc-hmac', 'POST', target, this.createBody(tenant, resource));
    assert.equal(answer.status, 201, `${tenant.side} POST ${target}: ${answer.body}`);
    const data = (JSON.parse(answer.body) as Json).data;
    return { id: Number(data.id), ...(typeof data.xid === 'string' ? { xid: data.xid } : {}), ...(typeof data.summary === 'string' ? { summary: data.summary } : {}) };
  }

  /** A valid create body from the resource's OPTIONS descriptor: every required field, named with the tenant's marker. */
  createBody(tenant: Tenant, resource: ResourceDefinition, parentOwner: Tenant = tenant): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(this.#descriptor(resource))) {
      if (property.required && !property.readOnly) body[name] = this.#example(tenant, property);
    }
    const extras = CREATE_BODY_EXTRAS[resource.name];
    Object.assign(body, typeof extras === 'function' ? extras() : extras);
    const parent = resource.parents?.[0];
    if (parent) body[parent.idField] = parentOwner.planted.get(parent.resource)!.id;
    return body;
  }

  /** An update of the first updatable free-text field (or the resource's own, where its free text is a value with rules). */
  updateBody(tenant: Tenant, resource: ResourceDefinition): Record<string, unknown> {
    const own = UPDATE_BODIES[resource.name];
    if (own) return own;
    const entry = Object.entries(this.#descriptor(resource))
      .find(([, p]) => p.updatable && p.type === 'String' && p.allowableValues === undefined);
    return entry ? { [entry[0]]: this.#example(tenant, entry[1]) } : {};
  }

  #descriptor(resource: ResourceDefinition): Descriptor {
    return this.#descriptors.get(resource.name) ?? {};
  }

  #example(tenant: Tenant, property: Descriptor[string]): unknown {
    if (property.allowableValues) return property.allowableValues[0];
    switch (property.type) {
      case 'Integer': return property.minValue ?? 1;
      case 'Boolean': return false;
      case 'Date': return new Date().toISOString();
      default: return `${tenant.marker} ${++this.#counter}`.slice(0, property.maxLength ?? 255);
    }
  }
}
