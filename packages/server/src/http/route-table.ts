/**
 * The table of every route the app registers (method, URL pattern, config), read by the security
 * matrix and the API docs so that a new route is covered without anyone listing it. Fastify keeps
 * no such list itself; an `onRoute` hook added before the first route sees every one, including
 * those registered inside plugins.
 */
import type { FastifyContextConfig, FastifyInstance } from 'fastify';

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
  const routes: RegisteredRoute[] = [];
  app.decorate('cairnRoutes', routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push(Object.freeze({ method, url: route.url, config: Object.freeze({ ...route.config }) }));
  });
}
