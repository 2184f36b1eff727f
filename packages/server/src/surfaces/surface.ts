import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CairnError } from '../core/errors.js';
import type { CairnServices } from '../services.js';

export type SurfaceName = 'threatconnect' | 'contrast' | 'websupport' | 'taxii';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The surface a route belongs to (set on every route a surface registers; the docs group by it). */
    surface?: SurfaceName;
  }
}

/** Turns anything thrown while serving a request into a CairnError (the HTTP layer knows its sources). */
export type ErrorClassifier = (thrown: unknown) => { error: CairnError; unexpected: boolean };

export type FailureRenderer = (request: FastifyRequest, reply: FastifyReply, error: CairnError) => FastifyReply;

export interface SurfaceOptions {
  services: CairnServices;
  classifyError: ErrorClassifier;
}

/** One wire dialect: a Fastify plugin with its routes and its own failure answers. */
export interface Surface {
  name: SurfaceName;
  /** Leading path segments the surface serves (`/api` covers `/api/…`); consulted only where no route matched. */
  prefixes: readonly string[];
  /**
   * The path a target is served at when it is an alias of one (`/api/v3/…` → `/v3/…`), else
   * undefined: applied before routing, so one route serves both spellings; the target as sent stays
   * the one signatures cover (requestTarget).
   */
  alias?(url: string): string | undefined;
  /** Registered without a prefix: it registers its own prefixed scopes, each answering unknown routes. */
  plugin: FastifyPluginAsync<SurfaceOptions>;
  renderFailure: FailureRenderer;
  /** The failure body for an answer written before routing (Node refused the head), knowing only the path. */
  earlyFailureBody(path: string, error: CairnError): unknown;
}
