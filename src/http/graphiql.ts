/**
 * GraphiQL, the in-browser IDE, at /graphiql: a page built by Vite from graphiql/ (see
 * graphiql/vite.config.ts) into dist/graphiql, served by this process with every asset it
 * needs, so it makes no request to any other origin (no CDN, no web fonts; the console's
 * Content-Security-Policy enforces that). On by default outside production; GRAPHIQL_ENABLED
 * decides. A browser that opens /graphql (a GET asking for HTML, without a query) is sent there.
 */
import type { RequestHandler } from 'express';

export const GRAPHIQL_PATH = '/graphiql';

/** GET /graphql from a browser's address bar: a redirect to GraphiQL when it is on; anything else goes on to Apollo. */
export function graphqlLandingPage(enabled: boolean): RequestHandler {
  return (req, res, next) => {
    const fromAddressBar = req.query.query === undefined && req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
    if (!fromAddressBar) return next();
    if (!enabled) {
      res
        .status(404)
        .type('text/plain')
        .send('This is the GraphQL endpoint: POST queries to it (docs/integrating.md). GraphiQL is off here (GRAPHIQL_ENABLED).');
      return;
    }
    res.redirect(302, `${GRAPHIQL_PATH}/`);
  };
}
