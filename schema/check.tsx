// A small app written the way a Nexus frontend would: Apollo Client 4's own hooks on the
// generated TypedDocumentNodes. `npm run typecheck` compiles it in strict mode, so a
// schema or operation change that breaks a frontend breaks here first. Never rendered.
import { type ReactNode, Suspense, useState } from "react";
import {
  ApolloProvider,
  useMutation,
  useQuery,
  useSubscription,
  useSuspenseQuery,
} from "@apollo/client/react";
import { CombinedGraphQLErrors } from "@apollo/client";

import { createNexusClient, nexusErrorCode } from "./apollo";
import { ErrorCode, HighlightColor, LibraryRole } from "./generated/enums";
import {
  AddLibraryMemberDocument,
  AddMediaFromUrlDocument,
  CreateHighlightDocument,
  CreateLibraryDocument,
  DeleteHighlightDocument,
  DeleteLibraryDocument,
  LibrariesDocument,
  LibraryDetailDocument,
  type LibraryFieldsFragment,
  LibraryMembersDocument,
  type MediaCapabilitiesFieldsFragment,
  MediaHighlightsDocument,
  MediaProcessingDocument,
  MediaProcessingUpdatesDocument,
  ReaderDocument,
  RenameLibraryDocument,
  RetryMediaProcessingDocument,
  UpdateHighlightDocument,
  ViewerDocument,
  ViewerMediaUpdatesDocument,
} from "./generated/operations";

/** What the user reads for each code: exhaustive, so a new code is a compile error here. */
export function describeError(code: ErrorCode): string {
  switch (code) {
    case ErrorCode.EUnauthenticated:
      return "Your session ended. Sign in again.";
    case ErrorCode.EForbidden:
    case ErrorCode.EInternalOnly:
      return "You are not allowed to do that.";
    case ErrorCode.EDefaultLibraryForbidden:
      return "Your default library cannot be renamed, deleted or shared.";
    case ErrorCode.ELastAdminForbidden:
      return "A library needs at least one admin.";
    case ErrorCode.ENotFound:
    case ErrorCode.ELibraryNotFound:
    case ErrorCode.EMediaNotFound:
      return "It does not exist, or it is not shared with you.";
    case ErrorCode.ENameInvalid:
      return "Names are 1 to 100 characters, without control characters.";
    case ErrorCode.EInvalidRequest:
    case ErrorCode.PersistedQueryNotFound:
      return "The app sent a request the server does not understand.";
    case ErrorCode.ETimeout:
      return "That took too long. Ask for fewer items at once.";
    case ErrorCode.EAuthUnavailable:
    case ErrorCode.EUnavailable:
    case ErrorCode.EInternal:
      return "Something went wrong on our side. Try again in a moment.";
    case ErrorCode.EInvalidUrl:
      return "That is not a web address (http or https) Nexus can save.";
    case ErrorCode.ESsrfBlocked:
      return "Nexus does not fetch pages from that address.";
    case ErrorCode.ERateLimited:
      return "Several of your saves are still being processed. Try again in a minute.";
    case ErrorCode.EInvalidState:
      return "It is not in a state that allows this now.";
    case ErrorCode.EMediaNotReady:
      return "It cannot be highlighted yet.";
    case ErrorCode.EHighlightInvalidRange:
    case ErrorCode.EHighlightConflict:
    case ErrorCode.EHighlightNotFound:
      return "That highlight cannot be made or changed.";
    case ErrorCode.EIngestFailed:
      return "The page could not be fetched, or it held no article.";
    case ErrorCode.EIngestTimeout:
      return "The page took too long to load.";
    case ErrorCode.EUnsupportedContent:
      return "That address does not serve a web page.";
    case ErrorCode.EContentTooLarge:
      return "The page is too large.";
    default: {
      const unhandled: never = code;
      return unhandled;
    }
  }
}

function ErrorNotice({ error }: { error: unknown }): ReactNode {
  if (CombinedGraphQLErrors.is(error)) {
    const code = nexusErrorCode(error);
    const requestId = error.errors[0]?.extensions?.["requestId"];
    return (
      <p role="alert">
        {code ? describeError(code) : error.message}
        {typeof requestId === "string" ? ` (request ${requestId})` : null}
      </p>
    );
  }
  return <p role="alert">The server cannot be reached.</p>;
}

function AppShell({ children }: { children: ReactNode }): ReactNode {
  const { data } = useSuspenseQuery(ViewerDocument);
  const home: LibraryFieldsFragment = data.viewer.defaultLibrary;
  return (
    <main data-user={data.viewer.user.uuid}>
      <h1>{home.name}</h1>
      {children}
    </main>
  );
}

function LibraryList(): ReactNode {
  const { data, error, loading, fetchMore } = useQuery(LibrariesDocument, {
    variables: { first: 20 },
  });
  const [create, creating] = useMutation(CreateLibraryDocument, {
    refetchQueries: [LibrariesDocument],
  });
  if (error) return <ErrorNotice error={error} />;
  if (loading || !data) return <p>Loading…</p>;
  const { edges, pageInfo, totalCount } = data.viewer.libraries;
  return (
    <section>
      <h2>{totalCount} libraries</h2>
      <ul>
        {edges.map(({ node }) => (
          <li key={node.id}>
            {node.name}
            {node.viewerRole === LibraryRole.Admin ? " (admin)" : null}
          </li>
        ))}
      </ul>
      {pageInfo.hasNextPage ? (
        <button onClick={() => void fetchMore({ variables: { after: pageInfo.endCursor } })}>
          More
        </button>
      ) : null}
      <button
        disabled={creating.loading}
        onClick={() => void create({ variables: { name: "Reading list" } }).catch(() => {})}
      >
        New library
      </button>
      {creating.error ? <ErrorNotice error={creating.error} /> : null}
    </section>
  );
}

function LibraryPage({ id }: { id: string }): ReactNode {
  const { data, error } = useQuery(LibraryDetailDocument, {
    variables: { id, first: 50 },
    errorPolicy: "all",
  });
  const [name, setName] = useState("");
  const [rename, renaming] = useMutation(RenameLibraryDocument);
  const [remove] = useMutation(DeleteLibraryDocument, {
    update(cache, { data: deleted }) {
      const removedId = deleted?.deleteLibrary?.deletedLibraryId;
      const cacheId = removedId && cache.identify({ __typename: "Library", id: removedId });
      if (cacheId) cache.evict({ id: cacheId });
    },
  });
  if (error && nexusErrorCode(error) === ErrorCode.ELibraryNotFound) {
    return <p>This library does not exist or is not shared with you.</p>;
  }
  const library = data?.library;
  if (!library) return error ? <ErrorNotice error={error} /> : <p>Loading…</p>;
  const onRename = async (): Promise<void> => {
    try {
      const result = await rename({ variables: { libraryId: library.id, name } });
      setName(result.data?.renameLibrary?.library.name ?? "");
    } catch (failure) {
      // The hook's `renaming.error` renders it; a code-specific reaction goes here.
      if (nexusErrorCode(failure) === ErrorCode.ENameInvalid) setName(library.name);
    }
  };
  return (
    <article>
      <h2>{library.name}</h2>
      <p>Owner {library.owner.uuid}</p>
      <p>
        {library.media.totalCount} items, added{" "}
        {library.media.edges.map((edge) => new Date(edge.addedAt).toISOString()).join(", ")}
      </p>
      <ul>
        {library.media.edges.map(({ node }) => (
          <li key={node.id}>
            {node.title} · {node.kind} · {node.processingStatus}
            {node.canonicalSourceUrl ? <a href={node.canonicalSourceUrl}>source</a> : null}
          </li>
        ))}
      </ul>
      {library.isDefault ? null : (
        <>
          <input value={name} onChange={(event) => setName(event.target.value)} />
          <button onClick={() => void onRename()}>Rename</button>
          <button onClick={() => void remove({ variables: { libraryId: library.id } })}>
            Delete
          </button>
        </>
      )}
      {renaming.error ? <ErrorNotice error={renaming.error} /> : null}
    </article>
  );
}

function Reader({ mediaId }: { mediaId: string }): ReactNode {
  const { data, fetchMore } = useSuspenseQuery(ReaderDocument, {
    variables: { mediaId, first: 25 },
  });
  if (!data.media) return <p>Not found.</p>;
  const { fragments } = data.media;
  return (
    <article>
      <h2>{data.media.title}</h2>
      {fragments.edges.map(({ node }) => (
        // Sanitized by the server: the only HTML the API returns.
        <div
          key={node.id}
          data-idx={node.idx}
          dangerouslySetInnerHTML={{ __html: node.htmlSanitized }}
        />
      ))}
      {fragments.pageInfo.hasNextPage ? (
        <button
          onClick={() => void fetchMore({ variables: { after: fragments.pageInfo.endCursor } })}
        >
          Continue reading
        </button>
      ) : null}
    </article>
  );
}

/** Paste a link, then watch it become readable: polls until the capabilities say so. */
function SaveByUrl(): ReactNode {
  const [url, setUrl] = useState("");
  const [save, saving] = useMutation(AddMediaFromUrlDocument);
  const [retry] = useMutation(RetryMediaProcessingDocument);
  const [mediaId, setMediaId] = useState<string | null>(null);
  const { data, stopPolling } = useQuery(MediaProcessingDocument, {
    variables: { mediaId: mediaId ?? "" },
    skip: mediaId === null,
    pollInterval: 1000,
  });
  const media = data?.media;
  const can: MediaCapabilitiesFieldsFragment | undefined = media?.capabilities;
  if (can?.canRead || media?.processingError) stopPolling();
  return (
    <section>
      <input value={url} onChange={(event) => setUrl(event.target.value)} />
      <button
        disabled={saving.loading}
        onClick={async () => {
          const result = await save({ variables: { url } }).catch(() => null);
          setMediaId(result?.data?.addMediaFromUrl?.media.id ?? null);
        }}
      >
        Save
      </button>
      {saving.error ? <ErrorNotice error={saving.error} /> : null}
      {media ? (
        <p>
          {media.title}: {can?.canRead ? "ready to read" : media.processingStatus}
          {media.processingError ? ` (${describeError(media.processingError.code)})` : null}
          {can?.canRetry ? (
            <button onClick={() => void retry({ variables: { mediaId: media.id } })}>Retry</button>
          ) : null}
        </p>
      ) : null}
    </section>
  );
}

/** A saved item's processing, live over WebSocket: its state now, then each change. */
function ProcessingLive({ mediaId }: { mediaId: string }): ReactNode {
  const { data, error } = useSubscription(MediaProcessingUpdatesDocument, {
    variables: { mediaId },
  });
  if (error) return <ErrorNotice error={error} />;
  const media = data?.mediaProcessing;
  return media ? (
    <p>
      {media.title}: {media.capabilities.canRead ? "ready to read" : media.processingStatus}
    </p>
  ) : null;
}

/** The viewer's media as their processing changes, whichever they are. */
function RecentChanges(): ReactNode {
  const { data } = useSubscription(ViewerMediaUpdatesDocument);
  const media = data?.viewerMediaUpdates;
  return media ? (
    <p>
      {media.title} is now {media.processingStatus}
    </p>
  ) : null;
}

/** A media item's highlights (the viewer's, or everyone's they may see): highlight the
 * selected range of a fragment, recolour, annotate or delete one's own. */
function Highlights({ mediaId }: { mediaId: string }): ReactNode {
  const [everyone, setEveryone] = useState(false);
  const variables = { mediaId, first: 100, mine: !everyone };
  const { data, refetch } = useQuery(MediaHighlightsDocument, { variables });
  const [create, creating] = useMutation(CreateHighlightDocument);
  const [change, changing] = useMutation(UpdateHighlightDocument);
  const [remove] = useMutation(DeleteHighlightDocument);
  const highlight = (fragmentId: string, startOffset: number, endOffset: number) =>
    void create({ variables: { fragmentId, startOffset, endOffset } }).then(() => refetch());
  const highlights = data?.media?.highlights.edges.map(({ node }) => node) ?? [];
  return (
    <aside>
      <label>
        <input type="checkbox" checked={everyone} onChange={() => setEveryone(!everyone)} />
        Show highlights of people I share this with
      </label>
      <ul>
        {highlights.map((node) => (
          <li key={node.id} data-color={node.color}>
            <q title={`${node.prefix}…${node.suffix}`}>{node.exact}</q>
            {node.note ? <p>{node.note}</p> : null}
            {node.isOwner ? (
              <>
                {Object.values(HighlightColor).map((color) => (
                  <button
                    key={color}
                    onClick={() =>
                      void change({ variables: { input: { highlightId: node.id, color } } })
                    }
                  >
                    {color}
                  </button>
                ))}
                <button
                  onClick={() =>
                    void change({ variables: { input: { highlightId: node.id, note: null } } })
                  }
                >
                  Remove the note
                </button>
                <button
                  onClick={() =>
                    void remove({
                      variables: { highlightId: node.id },
                      update(cache, { data: removed }) {
                        const id = cache.identify({
                          __typename: "Highlight",
                          id: removed?.deleteHighlight?.deletedHighlightId,
                        });
                        if (id) cache.evict({ id });
                        cache.gc();
                      },
                    })
                  }
                >
                  Delete
                </button>
              </>
            ) : null}
          </li>
        ))}
      </ul>
      <button onClick={() => highlight("RnJhZ21lbnQ6", 0, 1)}>Highlight the selection</button>
      {creating.error ? <ErrorNotice error={creating.error} /> : null}
      {changing.error ? <ErrorNotice error={changing.error} /> : null}
    </aside>
  );
}

function Members({ libraryId }: { libraryId: string }): ReactNode {
  const { data } = useQuery(LibraryMembersDocument, { variables: { libraryId } });
  const [add, adding] = useMutation(AddLibraryMemberDocument);
  const members = data?.library?.members.edges ?? [];
  return (
    <section>
      <ul>
        {members.map(({ node }) => (
          <li key={node.id}>
            {node.user.uuid}: {node.role === LibraryRole.Admin ? "admin" : "member"}
          </li>
        ))}
      </ul>
      {data?.library?.viewerRole === LibraryRole.Admin ? (
        <button
          onClick={() =>
            void add({ variables: { libraryId, userId: "VXNlcjo=", role: LibraryRole.Member } })
          }
        >
          Add
        </button>
      ) : null}
      {adding.error ? <ErrorNotice error={adding.error} /> : null}
    </section>
  );
}

export function App({ token }: { token: string }): ReactNode {
  const [client] = useState(() =>
    createNexusClient({ uri: "/graphql", getToken: () => token, persistedQueries: true }),
  );
  return (
    <ApolloProvider client={client}>
      <Suspense fallback={<p>Loading…</p>}>
        <AppShell>
          <LibraryList />
          <LibraryPage id="TGlicmFyeTo=" />
          <Members libraryId="TGlicmFyeTo=" />
          <SaveByUrl />
          <ProcessingLive mediaId="TWVkaWE6" />
          <RecentChanges />
          <Reader mediaId="TWVkaWE6" />
          <Highlights mediaId="TWVkaWE6" />
        </AppShell>
      </Suspense>
    </ApolloProvider>
  );
}
