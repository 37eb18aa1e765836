// Apollo Client 4, for real, against a running Nexus API: every operation of
// schema/operations through the generated documents, relay-style pagination with
// fetchMore, cache normalization, errors by code, and automatic persisted queries.
// tests/e2e/test_apollo.py seeds the database, starts the server and passes:
//
//   NEXUS_URL            the GraphQL endpoint
//   TOKEN_A, TOKEN_B     bearer tokens of user A (owner of everything) and user B (a
//                        MEMBER of A's shared library)
//   USER_A, USER_C       user A's uuid; user C's global id (signed in, in no library of A's)
//   LIBRARY_DEFAULT      A's default library id; LIBRARY_SHARED: A's library shared with B
//   MEDIA_ORDER          JSON list of the media ids of A's default library, in list order
//   READER_MEDIA         a media id with READER_FRAGMENTS fragments
//   OTHER_MEDIA          a media id in none of A's libraries
//
// Prints one line per check, then `N passed, M failed`; exits 1 when any check failed.
import assert from "node:assert/strict";

import {
  type ApolloClient,
  CombinedGraphQLErrors,
  type ObservableQuery,
  type OperationVariables,
  type TypedDocumentNode,
} from "@apollo/client";
import { filter, firstValueFrom } from "rxjs";
import { WebSocket } from "ws";

import { createNexusClient, nexusErrorCode } from "../apollo";
import { ErrorCode, LibraryRole } from "../generated/enums";
import * as operations from "../generated/operations";
import {
  AddLibraryMemberDocument,
  AddMediaFromUrlDocument,
  AddMediaToLibraryDocument,
  CreateLibraryDocument,
  DeleteLibraryDocument,
  LibrariesDocument,
  LibraryDetailDocument,
  LibraryMembersDocument,
  MediaProcessingDocument,
  type MediaProcessingQuery,
  NodeByIdDocument,
  ReaderDocument,
  RemoveLibraryMemberDocument,
  RemoveMediaFromLibraryDocument,
  RenameLibraryDocument,
  RetryMediaProcessingDocument,
  UpdateLibraryMemberRoleDocument,
  ViewerDocument,
} from "../generated/operations";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const URL_ = env("NEXUS_URL");
const TOKEN_A = env("TOKEN_A");
const TOKEN_B = env("TOKEN_B");
const USER_A = env("USER_A");
const USER_C = env("USER_C");
const LIBRARY_DEFAULT = env("LIBRARY_DEFAULT");
const LIBRARY_SHARED = env("LIBRARY_SHARED");
const MEDIA_ORDER: string[] = JSON.parse(env("MEDIA_ORDER"));
const READER_MEDIA = env("READER_MEDIA");
const READER_FRAGMENTS = Number(env("READER_FRAGMENTS"));
const OTHER_MEDIA = env("OTHER_MEDIA");
const PAGE_URL = env("PAGE_URL");
const MISSING_PAGE_URL = env("MISSING_PAGE_URL");

type ProcessedMedia = NonNullable<MediaProcessingQuery["media"]>;

/** Poll a media item (as a client without subscriptions does) until `done`, 60 s at most. */
async function pollMedia(
  apollo: ApolloClient,
  mediaId: string,
  done: (media: ProcessedMedia) => boolean,
): Promise<ProcessedMedia> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { data } = await apollo.query({
      query: MediaProcessingDocument,
      variables: { mediaId },
      fetchPolicy: "network-only",
    });
    const media = data?.media;
    assert.ok(media, "the saved media is readable by its saver");
    if (done(media)) return media;
    assert.ok(Date.now() < deadline, `still ${media.processingStatus} after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** One HTTP request as the client sent it, and the status it got back. */
interface Sent {
  method: string;
  operationName: string | null;
  withQuery: boolean;
  withHash: boolean;
  status: number;
}

const sentOperations = new Set<string>();

/** A fetch that records what each request carried (to count network round trips). */
function recorder(): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const recording = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? "GET";
    let params: Record<string, unknown>;
    if (method === "GET") {
      const url = new URL(String(input));
      params = Object.fromEntries(url.searchParams.entries());
    } else {
      params = JSON.parse(String(init?.body ?? "{}"));
    }
    const response = await fetch(input, init);
    const name = params["operationName"];
    const operationName = typeof name === "string" ? name : null;
    if (operationName && response.ok) sentOperations.add(operationName);
    sent.push({
      method,
      operationName,
      withQuery: typeof params["query"] === "string",
      withHash: JSON.stringify(params["extensions"] ?? "").includes("sha256Hash"),
      status: response.status,
    });
    return response;
  };
  return { fetch: recording, sent };
}

function client(token: string, options: { persistedQueries?: boolean } = {}) {
  const { fetch, sent } = recorder();
  const apollo = createNexusClient({
    uri: URL_,
    getToken: () => token,
    fetch,
    persistedQueries: options.persistedQueries ?? false,
  });
  return { apollo, sent };
}

/** A live query (as a mounted component holds one) and its first complete result. */
async function watch<TData, TVariables extends OperationVariables>(
  apollo: ApolloClient,
  query: TypedDocumentNode<TData, TVariables>,
  variables: NoInfer<TVariables>,
): Promise<{ observable: ObservableQuery<TData, TVariables>; current: () => TData }> {
  const observable = apollo.watchQuery<TData, TVariables>({
    query,
    variables,
  } as ApolloClient.WatchQueryOptions<TData, TVariables>);
  observable.subscribe(() => {});
  const first = await firstValueFrom(observable.pipe(filter((result) => !result.loading)));
  if (first.error) throw first.error;
  return {
    observable,
    current: () => {
      const { data, dataState } = observable.getCurrentResult();
      assert.equal(dataState, "complete");
      return data as TData;
    },
  };
}

/** The normalized cache: one entry per `__typename:id`, plus ROOT_QUERY and the Viewer. */
function normalized(apollo: ApolloClient): Record<string, unknown> {
  return apollo.cache.extract() as Record<string, unknown>;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new assert.AssertionError({ message: "expected the operation to fail" });
}

let passed = 0;
let failed = 0;

const CHECK_SECONDS = 30;

async function check(name: string, body: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const fail = () => reject(new Error(`timed out after ${CHECK_SECONDS}s`));
    timer = setTimeout(fail, CHECK_SECONDS * 1000);
  });
  try {
    await Promise.race([body(), timeout]);
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (error) {
    failed += 1;
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.log(`FAIL ${name}\n     ${detail.split("\n").slice(0, 12).join("\n     ")}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The next result that is not loading: what a component renders once a fetch settles
 * (the merged fetchMore result is broadcast after fetchMore's promise resolves). */
async function settled<TData, TVariables extends OperationVariables>(
  observable: ObservableQuery<TData, TVariables>,
): Promise<void> {
  const result = await firstValueFrom(observable.pipe(filter((next) => !next.loading)));
  if (result.error) throw result.error;
}

/** Wait for the live query to show what `shows` looks for (as a re-render would). */
async function until<TData, TVariables extends OperationVariables>(
  observable: ObservableQuery<TData, TVariables>,
  shows: (data: TData) => boolean,
): Promise<void> {
  await firstValueFrom(
    observable.pipe(filter((next) => next.dataState === "complete" && shows(next.data as TData))),
  );
}

/** fetchMore until the connection says there is no next page (at most 50 pages). */
async function fetchAllPages<TData, TVariables extends OperationVariables>(
  observable: ObservableQuery<TData, TVariables>,
  more: (after: string | null) => Promise<unknown>,
  pageInfo: () => { hasNextPage: boolean; endCursor: string | null } | undefined,
): Promise<number> {
  let pages = 1;
  while (pageInfo()?.hasNextPage) {
    assert.ok(pages < 50, "hasNextPage never became false");
    await more(pageInfo()?.endCursor ?? null);
    await settled(observable);
    pages += 1;
  }
  return pages;
}

const a = client(TOKEN_A);

await check("Viewer: the user and their default library", async () => {
  const { data } = await a.apollo.query({ query: ViewerDocument });
  assert.ok(data);
  assert.equal(data.viewer.user.uuid, USER_A);
  assert.equal(data.viewer.defaultLibrary.id, LIBRARY_DEFAULT);
  assert.equal(data.viewer.defaultLibrary.name, "My Library");
  assert.equal(data.viewer.defaultLibrary.isDefault, true);
  assert.equal(data.viewer.defaultLibrary.viewerRole, LibraryRole.Admin);
});

await check("Libraries: fetchMore one library at a time, merged oldest first", async () => {
  const { apollo, sent } = client(TOKEN_A);
  const { observable, current } = await watch(apollo, LibrariesDocument, { first: 1 });
  await fetchAllPages(
    observable,
    (after) => observable.fetchMore({ variables: { after } }),
    () => current().viewer.libraries.pageInfo);
  const libraries = current().viewer.libraries;
  assert.deepEqual(
    libraries.edges.map((edge) => edge.node.id),
    [LIBRARY_DEFAULT, LIBRARY_SHARED],
  );
  assert.equal(libraries.totalCount, 2);
  assert.equal(sent.length, 2);
});

await check("LibraryDetail: fetchMore until hasNextPage is false; all, in order", async () => {
  const { apollo, sent } = client(TOKEN_A);
  const { observable, current } = await watch(apollo, LibraryDetailDocument, {
    id: LIBRARY_DEFAULT,
    first: 4,
  });
  const pages = await fetchAllPages(
    observable,
    (after) => observable.fetchMore({ variables: { after } }),
    () => current().library?.media.pageInfo);
  const media = current().library?.media;
  assert.ok(media);
  assert.deepEqual(
    media.edges.map((edge) => edge.node.id),
    MEDIA_ORDER,
  );
  assert.equal(media.totalCount, MEDIA_ORDER.length);
  const addedAt = media.edges.map((edge) => Date.parse(edge.addedAt));
  assert.deepEqual(addedAt, [...addedAt].sort((x, y) => y - x), "newest addition first");
  assert.equal(pages, Math.ceil(MEDIA_ORDER.length / 4));
  assert.equal(sent.length, pages);
});

await check("Cache: an object fetched by two queries is one normalized entry", async () => {
  const { apollo } = client(TOKEN_A);
  const reader = await apollo.query({
    query: ReaderDocument,
    variables: { mediaId: READER_MEDIA },
  });
  const detail = await apollo.query({
    query: LibraryDetailDocument,
    variables: { id: LIBRARY_DEFAULT, first: 50 },
  });
  const edges = detail.data?.library?.media.edges ?? [];
  const fromDetail = edges.find((edge) => edge.node.id === READER_MEDIA);
  assert.ok(fromDetail && reader.data?.media);
  assert.equal(fromDetail.node.title, reader.data.media.title);
  const keys = Object.keys(normalized(apollo)).filter((key) => key.includes(READER_MEDIA));
  assert.deepEqual(keys, [`Media:${READER_MEDIA}`]);
  const viewer = await apollo.query({ query: ViewerDocument });
  const libraries = await apollo.query({ query: LibrariesDocument });
  assert.equal(
    viewer.data?.viewer.defaultLibrary.id,
    libraries.data?.viewer.libraries.edges[0]?.node.id,
  );
  assert.deepEqual(
    Object.keys(normalized(apollo)).filter((key) => key.includes(LIBRARY_DEFAULT)),
    [`Library:${LIBRARY_DEFAULT}`],
  );
});

await check("Cache: library(id) reads an already cached library before the network", async () => {
  const { apollo } = client(TOKEN_A);
  await apollo.query({ query: LibrariesDocument });
  const partial = apollo.cache.readQuery({
    query: LibraryDetailDocument,
    variables: { id: LIBRARY_SHARED },
    returnPartialData: true,
  });
  assert.equal(partial?.library?.name, "Shared reading");
});

await check("RenameLibrary updates the list on screen without a refetch", async () => {
  const { apollo, sent } = client(TOKEN_A);
  const { observable } = await watch(apollo, LibrariesDocument, {});
  const before = sent.length;
  const { data } = await apollo.mutate({
    mutation: RenameLibraryDocument,
    variables: { libraryId: LIBRARY_SHARED, name: "Shared reading, renamed" },
  });
  assert.equal(data?.renameLibrary?.library.name, "Shared reading, renamed");
  await until(observable, (list) =>
    list.viewer.libraries.edges.some(
      (edge) => edge.node.id === LIBRARY_SHARED && edge.node.name === "Shared reading, renamed",
    ),
  );
  assert.deepEqual(
    sent.slice(before).map((request) => request.operationName),
    ["RenameLibrary"],
  );
  await apollo.mutate({
    mutation: RenameLibraryDocument,
    variables: { libraryId: LIBRARY_SHARED, name: "Shared reading" },
  });
});

await check("Reader: fragments in reading order, paged over persisted-query GETs", async () => {
  const { apollo, sent } = client(TOKEN_A, { persistedQueries: true });
  const { observable, current } = await watch(apollo, ReaderDocument, {
    mediaId: READER_MEDIA,
    first: 5,
  });
  await fetchAllPages(
    observable,
    (after) => observable.fetchMore({ variables: { after } }),
    () => current().media?.fragments.pageInfo);
  const media = current().media;
  assert.ok(media);
  assert.deepEqual(
    media.fragments.edges.map((edge) => edge.node.idx),
    Array.from({ length: READER_FRAGMENTS }, (_, index) => index),
  );
  assert.equal(media.fragments.totalCount, READER_FRAGMENTS);
  assert.ok(media.libraries.edges.some((edge) => edge.node.id === LIBRARY_SHARED));
  assert.ok(sent.every((request) => request.withHash));
  assert.ok(sent.filter((request) => request.method === "GET").length >= 3);
});

await check("Persisted queries: unknown hash, then registered, then the hash alone", async () => {
  const first = client(TOKEN_A, { persistedQueries: true });
  const { data } = await first.apollo.query({ query: ViewerDocument, fetchPolicy: "network-only" });
  assert.equal(data?.viewer.user.uuid, USER_A);
  // A fresh server does not know the hash: the link sends it alone over GET, hears
  // PERSISTED_QUERY_NOT_FOUND (400 under application/graphql-response+json), and sends
  // the text once by POST. (Against a server that already knows it: one GET.)
  const steps = first.sent.map((request) => [request.method, request.withQuery, request.status]);
  const known = JSON.stringify(steps) === JSON.stringify([["GET", false, 200]]);
  if (!known) {
    assert.deepEqual(steps, [
      ["GET", false, 400],
      ["POST", true, 200],
    ]);
  }
  const second = client(TOKEN_A, { persistedQueries: true });
  await second.apollo.query({ query: ViewerDocument });
  assert.deepEqual(
    second.sent.map((sent) => [sent.method, sent.withQuery, sent.withHash, sent.status]),
    [["GET", false, true, 200]],
  );
});

await check("Persisted queries: a mutation is sent by POST, never GET", async () => {
  const { apollo, sent } = client(TOKEN_A, { persistedQueries: true });
  await apollo.mutate({
    mutation: RenameLibraryDocument,
    variables: { libraryId: LIBRARY_SHARED, name: "Shared reading" },
  });
  assert.ok(sent.length >= 1);
  assert.ok(sent.every((request) => request.method === "POST" && request.withHash));
});

await check("Library lifecycle: create, add and remove media, delete", async () => {
  const created = await a.apollo.mutate({
    mutation: CreateLibraryDocument,
    variables: { name: "  Travel  " },
    refetchQueries: [LibrariesDocument],
    awaitRefetchQueries: true,
  });
  const library = created.data?.createLibrary?.library;
  assert.ok(library);
  assert.equal(library.name, "Travel");
  assert.equal(library.isDefault, false);
  assert.equal(library.viewerRole, LibraryRole.Admin);

  const added = await a.apollo.mutate({
    mutation: AddMediaToLibraryDocument,
    variables: { libraryId: library.id, mediaId: OTHER_MEDIA },
  });
  assert.equal(added.data?.addMediaToLibrary?.media.id, OTHER_MEDIA);
  assert.ok(Date.parse(added.data?.addMediaToLibrary?.addedAt ?? "") > 0);
  const travel = await a.apollo.query({
    query: LibraryDetailDocument,
    variables: { id: library.id },
    fetchPolicy: "network-only",
  });
  assert.deepEqual(
    travel.data?.library?.media.edges.map((edge) => edge.node.id),
    [OTHER_MEDIA],
  );

  // The closure rule: media added to any of A's libraries is in A's default library too.
  const home = await a.apollo.query({
    query: LibraryDetailDocument,
    variables: { id: LIBRARY_DEFAULT, first: 1 },
    fetchPolicy: "network-only",
  });
  assert.equal(home.data?.library?.media.edges[0]?.node.id, OTHER_MEDIA);

  for (const libraryId of [library.id, LIBRARY_DEFAULT]) {
    const removed = await a.apollo.mutate({
      mutation: RemoveMediaFromLibraryDocument,
      variables: { libraryId, mediaId: OTHER_MEDIA },
    });
    assert.equal(removed.data?.removeMediaFromLibrary?.removedMediaId, OTHER_MEDIA);
  }

  const node = await a.apollo.query({ query: NodeByIdDocument, variables: { id: library.id } });
  assert.equal(node.data?.node?.__typename, "Library");

  const deleted = await a.apollo.mutate({
    mutation: DeleteLibraryDocument,
    variables: { libraryId: library.id },
    update(cache, { data }) {
      const deletedId = data?.deleteLibrary?.deletedLibraryId;
      const id = cache.identify({ __typename: "Library", id: deletedId });
      if (id) cache.evict({ id });
      cache.gc();
    },
  });
  assert.equal(deleted.data?.deleteLibrary?.deletedLibraryId, library.id);
  const libraries = await a.apollo.query({ query: LibrariesDocument, fetchPolicy: "cache-first" });
  assert.deepEqual(
    libraries.data?.viewer.libraries.edges.map((edge) => edge.node.id),
    [LIBRARY_DEFAULT, LIBRARY_SHARED],
  );
});

await check("Memberships: list, add, promote (list updates from the cache), remove", async () => {
  const { observable, current } = await watch(a.apollo, LibraryMembersDocument, {
    libraryId: LIBRARY_SHARED,
  });
  assert.equal(current().library?.members.totalCount, 2);
  assert.equal(current().library?.members.edges[0]?.node.user.uuid, USER_A);
  assert.equal(current().library?.members.edges[0]?.node.role, LibraryRole.Admin);

  const added = await a.apollo.mutate({
    mutation: AddLibraryMemberDocument,
    variables: { libraryId: LIBRARY_SHARED, userId: USER_C },
    refetchQueries: [LibraryMembersDocument],
    awaitRefetchQueries: true,
  });
  const membership = added.data?.addLibraryMember?.membership;
  assert.equal(membership?.role, LibraryRole.Member);
  assert.equal(membership?.user.id, USER_C);
  assert.equal(current().library?.members.totalCount, 3);

  const promoted = await a.apollo.mutate({
    mutation: UpdateLibraryMemberRoleDocument,
    variables: { libraryId: LIBRARY_SHARED, userId: USER_C, role: LibraryRole.Admin },
  });
  assert.equal(promoted.data?.updateLibraryMemberRole?.membership.id, membership?.id);
  await until(observable, (members) =>
    (members.library?.members.edges ?? []).some(
      (edge) => edge.node.user.id === USER_C && edge.node.role === LibraryRole.Admin,
    ),
  );

  const removed = await a.apollo.mutate({
    mutation: RemoveLibraryMemberDocument,
    variables: { libraryId: LIBRARY_SHARED, userId: USER_C },
  });
  assert.equal(removed.data?.removeLibraryMember?.removedUserId, USER_C);
});

await check("A forbidden mutation's extensions.code, read the way an app reads it", async () => {
  const b = client(TOKEN_B);
  const error = await rejection(
    b.apollo.mutate({
      mutation: RenameLibraryDocument,
      variables: { libraryId: LIBRARY_SHARED, name: "Mine now" },
    }),
  );
  assert.ok(CombinedGraphQLErrors.is(error), String(error));
  assert.equal(error.errors[0]?.extensions?.["code"], "E_FORBIDDEN");
  assert.equal(nexusErrorCode(error), ErrorCode.EForbidden);
  assert.equal(error.errors[0]?.extensions?.["status"], 403);

  const home = await rejection(
    a.apollo.mutate({
      mutation: RenameLibraryDocument,
      variables: { libraryId: LIBRARY_DEFAULT, name: "Home" },
    }),
  );
  assert.equal(nexusErrorCode(home), ErrorCode.EDefaultLibraryForbidden);

  const blank = await rejection(
    b.apollo.mutate({ mutation: CreateLibraryDocument, variables: { name: "   " } }),
  );
  assert.equal(nexusErrorCode(blank), ErrorCode.ENameInvalid);
});

await check("Errors by code on queries: not found with errorPolicy all, 401, bad id", async () => {
  const b = client(TOKEN_B);
  const hidden = await b.apollo.query({
    query: LibraryDetailDocument,
    variables: { id: LIBRARY_DEFAULT },
    errorPolicy: "all",
  });
  assert.equal(hidden.data?.library, null);
  assert.equal(nexusErrorCode(hidden.error), ErrorCode.ELibraryNotFound);

  const stranger = client("not-a-token");
  const unauthenticated = await rejection(stranger.apollo.query({ query: ViewerDocument }));
  assert.equal(nexusErrorCode(unauthenticated), ErrorCode.EUnauthenticated);
  assert.equal(stranger.sent[0]?.status, 401);

  const malformed = await rejection(
    a.apollo.query({ query: ReaderDocument, variables: { mediaId: "not-a-global-id" } }),
  );
  assert.equal(nexusErrorCode(malformed), ErrorCode.EInvalidRequest);
});

await check("Saving a URL: a worker fetches it, and the reader reads the article", async () => {
  const a = client(TOKEN_A);
  const saved = await a.apollo.mutate({
    mutation: AddMediaFromUrlDocument,
    variables: { url: `${PAGE_URL}?utm_source=newsletter`, clientMutationId: "save-1" },
  });
  const payload = saved.data?.addMediaFromUrl;
  assert.ok(payload);
  assert.equal(payload.created, true);
  assert.equal(payload.clientMutationId, "save-1");
  assert.equal(payload.media.canonicalSourceUrl, PAGE_URL);
  assert.equal(payload.media.capabilities.canRead, false);
  const ready = await pollMedia(a.apollo, payload.media.id, (m) => m.capabilities.canRead);
  assert.equal(ready.processingStatus, "READY_FOR_READING");
  assert.equal(ready.title, "The Slow Reader");
  assert.equal(ready.author, "Ada Reader");
  assert.equal(ready.language, "en");
  assert.ok(ready.wordCount > 40, String(ready.wordCount));
  assert.equal(ready.processingError, null);
  assert.equal(ready.createdBy?.uuid, USER_A);

  const { data } = await a.apollo.query({
    query: ReaderDocument,
    variables: { mediaId: ready.id, first: 10 },
  });
  const fragments = data?.media?.fragments.edges.map(({ node }) => node) ?? [];
  assert.equal(fragments.length, 1);
  const [article] = fragments;
  assert.ok(article?.canonicalText.includes("Reading slowly is a habit worth keeping."));
  assert.ok(article?.htmlSanitized.includes("<ol>"), article?.htmlSanitized);
  assert.ok(!/<script|stolen/.test(article?.htmlSanitized ?? ""), article?.htmlSanitized);
  assert.ok(!article?.canonicalText.includes("Copyright"), article?.canonicalText);

  const again = await a.apollo.mutate({
    mutation: AddMediaFromUrlDocument,
    variables: { url: PAGE_URL },
  });
  assert.equal(again.data?.addMediaFromUrl?.created, false);
  assert.equal(again.data?.addMediaFromUrl?.media.id, ready.id);
});

await check("A page that fails: the error for people, canRetry, and a retry", async () => {
  const a = client(TOKEN_A);
  const saved = await a.apollo.mutate({
    mutation: AddMediaFromUrlDocument,
    variables: { url: MISSING_PAGE_URL },
  });
  const mediaId = saved.data?.addMediaFromUrl?.media.id;
  assert.ok(mediaId);
  const failed = await pollMedia(a.apollo, mediaId, (m) => m.processingError !== null);
  assert.equal(failed.processingStatus, "FAILED");
  assert.equal(failed.processingError?.code, ErrorCode.EIngestFailed);
  assert.ok(!/127\.0\.0\.1|Traceback/.test(failed.processingError?.message ?? ""));
  assert.equal(failed.capabilities.canRetry, true);
  const retried = await a.apollo.mutate({
    mutation: RetryMediaProcessingDocument,
    variables: { mediaId },
  });
  const media = retried.data?.retryMediaProcessing?.media;
  assert.ok(media);
  assert.equal(media.processingError, null);
  assert.equal(media.capabilities.canRetry, false);

  const b = client(TOKEN_B);
  const refused = await rejection(
    b.apollo.mutate({ mutation: RetryMediaProcessingDocument, variables: { mediaId } }),
  );
  assert.equal(nexusErrorCode(refused), ErrorCode.EMediaNotFound);
  const blocked = await rejection(
    a.apollo.mutate({
      mutation: AddMediaFromUrlDocument,
      variables: { url: "http://169.254.169.254/latest/meta-data/" },
    }),
  );
  assert.equal(nexusErrorCode(blocked), ErrorCode.ESsrfBlocked);
});

// Highlights: the live list of a media item's highlights follows every change from the
// mutations' payloads and `update` functions, with no refetch.
type HighlightList = operations.MediaHighlightsQuery;
type HighlightNode = operations.HighlightFieldsFragment;

function withHighlights(
  list: HighlightList | null,
  change: (nodes: HighlightNode[]) => HighlightNode[],
): HighlightList | null {
  if (!list?.media) return list;
  const { highlights } = list.media;
  const nodes = change(highlights.edges.map((edge) => edge.node)).sort(
    (x, y) =>
      x.fragment.idx - y.fragment.idx ||
      x.startOffset - y.startOffset ||
      x.endOffset - y.endOffset,
  );
  const edges = nodes.map((node) => ({
    __typename: "HighlightEdge" as const,
    cursor: highlights.edges.find((edge) => edge.node.id === node.id)?.cursor ?? "",
    node,
  }));
  const totalCount = highlights.totalCount + nodes.length - highlights.edges.length;
  return { media: { ...list.media, highlights: { ...highlights, edges, totalCount } } };
}

await check("Highlights: create, recolour, annotate, delete, all from the cache", async () => {
  const { apollo, sent } = client(TOKEN_A);
  const reader = await apollo.query({
    query: ReaderDocument,
    variables: { mediaId: READER_MEDIA, first: 2 },
  });
  const [first, second] = reader.data?.media?.fragments.edges.map(({ node }) => node) ?? [];
  assert.ok(first && second);
  const listed = { mediaId: READER_MEDIA };
  const { observable, current } = await watch(apollo, operations.MediaHighlightsDocument, listed);
  const count = () => current().media?.highlights.totalCount;
  const shown = () => current().media?.highlights.edges.map(({ node }) => node) ?? [];
  const before = count() ?? 0;
  const requests = sent.length;

  const created = await apollo.mutate({
    mutation: operations.CreateHighlightDocument,
    variables: { fragmentId: second.id, startOffset: 0, endOffset: 9, note: "Second." },
    update(cache, { data }) {
      const made = data?.createHighlight?.highlight;
      if (!made) return;
      cache.updateQuery({ query: operations.MediaHighlightsDocument, variables: listed }, (list) =>
        withHighlights(list, (nodes) => [...nodes, made]),
      );
    },
  });
  const highlight = created.data?.createHighlight?.highlight;
  assert.ok(highlight);
  assert.equal(highlight.exact, "Paragraph");
  assert.equal(highlight.suffix, " 1.");
  assert.equal(highlight.color, operations.HighlightColor.Yellow);
  assert.equal(highlight.isOwner, true);
  await until(observable, () => shown().some((node) => node.id === highlight.id));
  assert.equal(count(), before + 1);

  const conflict = await rejection(
    apollo.mutate({
      mutation: operations.CreateHighlightDocument,
      variables: { fragmentId: second.id, startOffset: 0, endOffset: 9 },
    }),
  );
  assert.equal(nexusErrorCode(conflict), ErrorCode.EHighlightConflict);

  await apollo.mutate({
    mutation: operations.UpdateHighlightDocument,
    variables: { input: { highlightId: highlight.id, color: operations.HighlightColor.Pink } },
  });
  await until(observable, () => shown().some((n) => n.id === highlight.id && n.color === "PINK"));
  await apollo.mutate({
    mutation: operations.UpdateHighlightDocument,
    variables: { input: { highlightId: highlight.id, note: "Worth rereading." } },
  });
  await until(observable, () =>
    shown().some(
      (n) => n.id === highlight.id && n.note === "Worth rereading." && n.color === "PINK",
    ),
  );

  await apollo.mutate({
    mutation: operations.DeleteHighlightDocument,
    variables: { highlightId: highlight.id },
    update(cache, { data }) {
      const gone = data?.deleteHighlight?.deletedHighlightId;
      cache.updateQuery({ query: operations.MediaHighlightsDocument, variables: listed }, (list) =>
        withHighlights(list, (nodes) => nodes.filter((node) => node.id !== gone)),
      );
      const id = cache.identify({ __typename: "Highlight", id: gone });
      if (id) cache.evict({ id });
      cache.gc();
    },
  });
  await until(observable, () => !shown().some((node) => node.id === highlight.id));
  assert.equal(count(), before);
  assert.ok(!(`Highlight:${highlight.id}` in normalized(apollo)));
  // Five mutations, and not one read: the list never went back to the server.
  assert.deepEqual(
    sent.slice(requests).map((request) => request.operationName),
    [
      "CreateHighlight",
      "CreateHighlight",
      "UpdateHighlight",
      "UpdateHighlight",
      "DeleteHighlight",
    ],
  );
});

await check("Highlights: a member of a shared library sees A's with mine: false", async () => {
  const a = client(TOKEN_A);
  const reader = await a.apollo.query({
    query: ReaderDocument,
    variables: { mediaId: READER_MEDIA },
  });
  const fragment = reader.data?.media?.fragments.edges[0]?.node;
  assert.ok(fragment);
  const created = await a.apollo.mutate({
    mutation: operations.CreateHighlightDocument,
    variables: {
      fragmentId: fragment.id,
      startOffset: 10,
      endOffset: 12,
      color: operations.HighlightColor.Green,
      note: "Shared 😀",
    },
  });
  const highlight = created.data?.createHighlight?.highlight;
  assert.ok(highlight);
  assert.equal(highlight.exact, "0.");

  const b = client(TOKEN_B);
  const all = await b.apollo.query({
    query: operations.MediaHighlightsDocument,
    variables: { mediaId: READER_MEDIA, mine: false },
  });
  const seen = all.data?.media?.highlights.edges.map(({ node }) => node) ?? [];
  const theirs = seen.find((node) => node.id === highlight.id);
  assert.ok(theirs, "B sees A's highlight");
  assert.equal(theirs.isOwner, false);
  assert.equal(theirs.author.uuid, USER_A);
  assert.equal(theirs.note, "Shared 😀");
  const mine = await b.apollo.query({
    query: operations.MediaHighlightsDocument,
    variables: { mediaId: READER_MEDIA },
  });
  assert.equal(mine.data?.media?.highlights.totalCount, 0);
  const refused = await rejection(
    b.apollo.mutate({
      mutation: operations.UpdateHighlightDocument,
      variables: { input: { highlightId: highlight.id, note: null } },
    }),
  );
  assert.equal(nexusErrorCode(refused), ErrorCode.EHighlightNotFound);
});

// Subscriptions: over WebSocket (graphql-transport-ws, Node 20 has no global WebSocket),
// through the same client's split link.
type LiveMedia = operations.MediaProcessingFieldsFragment;

/** Every result of a subscription until it completes (or `until` says enough). */
function collect<TData, TVariables extends OperationVariables>(
  apollo: ApolloClient,
  query: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  until: (data: TData) => boolean = () => false,
): { done: Promise<TData[]>; started: Promise<void> } {
  const results: TData[] = [];
  let started!: () => void;
  const startedPromise = new Promise<void>((resolve) => (started = resolve));
  const done = new Promise<TData[]>((resolve, reject) => {
    const subscription = apollo
      .subscribe<TData, TVariables>({ query, variables } as ApolloClient.SubscribeOptions<
        TData,
        TVariables
      >)
      .subscribe({
        next: (result) => {
          if (result.error) return reject(result.error);
          if (!result.data) return;
          results.push(result.data as TData);
          if (until(result.data as TData)) {
            subscription.unsubscribe();
            resolve(results);
          }
        },
        error: reject,
        complete: () => resolve(results),
      });
    started();
  });
  return { done, started: startedPromise };
}

await check("Subscriptions: a saved URL's states arrive over WebSocket until readable", async () => {
  const apollo = createNexusClient({ uri: URL_, getToken: () => TOKEN_A, webSocketImpl: WebSocket });
  // Until the READY_FOR_READING event: an earlier event resolved while the worker committed
  // may already read canRead (its status and its capabilities come from two statements).
  const mine = collect(
    apollo,
    operations.ViewerMediaUpdatesDocument,
    {},
    (data) => data.viewerMediaUpdates.processingStatus === "READY_FOR_READING",
  );
  await mine.started;
  // Let the viewerMediaUpdates subscription reach the server before the save.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const saved = await apollo.mutate({
    mutation: AddMediaFromUrlDocument,
    variables: { url: `${PAGE_URL}?copy=live` },
  });
  const mediaId = saved.data?.addMediaFromUrl?.media.id;
  assert.ok(mediaId);
  assert.equal(saved.data?.addMediaFromUrl?.created, true);
  const states = await collect(apollo, operations.MediaProcessingUpdatesDocument, { mediaId })
    .done;
  // The first answer is the state at subscription (the worker may be that far already),
  // then each change in lifecycle order.
  const lifecycle = ["PENDING", "EXTRACTING", "READY_FOR_READING"];
  const order = states.map((data) => lifecycle.indexOf(data.mediaProcessing.processingStatus));
  assert.ok(order.every((step, i) => step >= 0 && (i === 0 || step >= (order[i - 1] ?? 0))));
  assert.equal(order.at(-1), 2);
  const last: LiveMedia | undefined = states.at(-1)?.mediaProcessing;
  assert.equal(last?.capabilities.canRead, true);
  assert.equal(last?.title, "The Slow Reader");
  sentOperations.add("MediaProcessingUpdates");
  const updates = await mine.done;
  assert.deepEqual(
    updates.map((data) => data.viewerMediaUpdates.id).filter((id) => id !== mediaId),
    [],
  );
  assert.equal(updates.at(-1)?.viewerMediaUpdates.processingStatus, "READY_FOR_READING");
  sentOperations.add("ViewerMediaUpdates");
  // The cache entry the subscription wrote is what a query reads, without the network.
  const cached = apollo.readQuery({ query: MediaProcessingDocument, variables: { mediaId } });
  assert.equal(cached?.media?.capabilities.canRead, true);
});

await check("Every operation of schema/operations went over the wire", async () => {
  const defined = Object.entries(operations)
    .filter(([name]) => name.endsWith("Document"))
    .map(([name]) => name.replace(/Document$/, ""));
  assert.deepEqual(
    defined.filter((name) => !sentOperations.has(name)),
    [],
  );
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
