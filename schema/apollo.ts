// The Apollo Client 4 setup a Nexus frontend uses: the cache policies every connection
// needs, the auth header, automatic persisted queries, subscriptions over WebSocket, and
// reading our error codes. The e2e test and check.tsx use exactly this module.
import {
  ApolloClient,
  ApolloLink,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
} from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { isSubscriptionOperation, relayStylePagination } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";

import { ErrorCode } from "./generated/enums";

/**
 * Every object implements Node with a global `id`, so the default `__typename:id`
 * normalization applies; `Viewer` has no id and is the one singleton. Each connection
 * field merges pages with `relayStylePagination()` (its arguments other than
 * `first`/`after` would go into keyArgs; ours have none). `library(id)` and `media(id)`
 * read through to an already cached object before going to the network.
 */
export function createNexusCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          library: (existing, { args, toReference }) =>
            existing ?? toReference({ __typename: "Library", id: args?.["id"] }),
          media: (existing, { args, toReference }) =>
            existing ?? toReference({ __typename: "Media", id: args?.["id"] }),
        },
      },
      Viewer: { keyFields: [], fields: { libraries: relayStylePagination() } },
      Library: { fields: { members: relayStylePagination(), media: relayStylePagination() } },
      Media: { fields: { fragments: relayStylePagination(), libraries: relayStylePagination() } },
    },
  });
}

/** Hex SHA-256 of a query text with WebCrypto (browsers and Node 20 alike). */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join(
    "",
  );
}

export interface NexusClientOptions {
  /** The GraphQL endpoint, e.g. `https://api.example.com/graphql`. */
  uri: string;
  /** The identity provider's access token for the current user (called per request). */
  getToken: () => string | Promise<string>;
  /** Send queries as hashes over GET (Apollo's automatic persisted queries). */
  persistedQueries?: boolean;
  /** A fetch to use instead of the global one (to count or observe requests). */
  fetch?: typeof fetch;
  /** Where subscriptions go (graphql-transport-ws); default: `uri` as ws(s)://. */
  wsUri?: string;
  /** A WebSocket class where there is no global one (Node 20: the `ws` package's). */
  webSocketImpl?: unknown;
}

/** The HTTP endpoint's WebSocket twin; a relative one resolves against the page. */
function webSocketUrl(uri: string): string {
  const url = new URL(uri, globalThis.location?.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

/**
 * Subscriptions over one lazily opened WebSocket: the token goes in connection_init's
 * payload, asked for again on every (re)connection, so a reconnect after the server
 * closed an expired token's socket (4401) uses a fresh one. The graphql-ws client is made
 * on the first subscription: a client that never subscribes needs no WebSocket class.
 */
function subscriptionLink(options: NexusClientOptions): ApolloLink {
  let link: GraphQLWsLink | undefined;
  return new ApolloLink((operation) => {
    link ??= new GraphQLWsLink(
      createClient({
        url: options.wsUri ?? webSocketUrl(options.uri),
        connectionParams: async () => ({ Authorization: `Bearer ${await options.getToken()}` }),
        ...(options.webSocketImpl ? { webSocketImpl: options.webSocketImpl } : {}),
      }),
    );
    return link.request(operation);
  });
}

export function createNexusClient(options: NexusClientOptions): ApolloClient {
  const auth = new SetContextLink(async (previous) => ({
    headers: { ...previous["headers"], authorization: `Bearer ${await options.getToken()}` },
  }));
  const http = new HttpLink({
    uri: options.uri,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const links: ApolloLink[] = [auth];
  if (options.persistedQueries) {
    links.push(new PersistedQueryLink({ sha256, useGETForHashedQueries: true }));
  }
  // Subscriptions over WebSocket, everything else over HTTP.
  const link = ApolloLink.split(
    ({ query }) => isSubscriptionOperation(query),
    subscriptionLink(options),
    ApolloLink.from([...links, http]),
  );
  return new ApolloClient({ link, cache: createNexusCache() });
}

const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/**
 * The Nexus `ErrorCode` of an error from a query or mutation, when the server sent one
 * (`errors[0].extensions.code`); `undefined` for network failures and unknown codes.
 */
export function nexusErrorCode(error: unknown): ErrorCode | undefined {
  if (!CombinedGraphQLErrors.is(error)) return undefined;
  const code = error.errors[0]?.extensions?.["code"];
  return typeof code === "string" && ERROR_CODES.has(code) ? (code as ErrorCode) : undefined;
}
