/**
 * The table of every route the app registers (method, URL pattern, config), read by the security
 * matrix and the API docs so that a new route is covered without anyone listing it. Fastify keeps
 * no such list itself; an `onRoute` hook added before the first route sees every one, including
 * those registered inside plugins.
 */
import type { FastifyContextConfig, FastifyInstance, RouteOptions } from 'fastify';

export interface RegisteredRoute {
  method: string;
  /** The URL pattern as registered, prefix included (`/api/v3/cases/:id`). */
  url: string;
  config: FastifyContextConfig;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered so far, in registration order (Fastify's automatic HEAD routes included). */
    cairnRoutes: readonly RegisteredRoute[];
  }
}

/** Call before any route is registered. */
export function recordRouteTable(app: FastifyInstance): void {
  // The route objects themselves: hooks of the plugins added later (a surface's tag, the auth
  // policy) still change their config after this hook has seen them.
  const registered: RouteOptions[] = [];
  app.decorate('cairnRoutes', {
    getter: () => registered.flatMap((route) => (Array.isArray(route.method) ? route.method : [route.method])
      .map((method): RegisteredRoute => ({ method, url: route.url, config: route.config ?? {} }))),
  });
  app.addHook('onRoute', (route) => { registered.push(route); });
}
