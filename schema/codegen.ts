// Typed documents for Apollo Client 4 from the committed schema and our operations.
//
// `npm run codegen` validates every operation against ../schema.graphql, so a schema
// change that breaks an operation fails here (and in CI) before any app compiles.
import type { CodegenConfig } from "@graphql-codegen/cli";

// Custom scalars travel as ISO 8601 / UUID strings. `strictScalars` makes a scalar the
// schema adds without a mapping here a codegen error instead of a silent `any`.
const scalars = { DateTime: "string", UUID: "string" };

const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["operations/**/*.graphql"],
  ignoreNoDocuments: false,
  generates: {
    // Every enum of the schema, ErrorCode included (no operation selects it: it is what
    // errors[].extensions.code holds), as a const object plus a string-literal union.
    "generated/enums.ts": {
      plugins: ["typescript"],
      config: { scalars, strictScalars: true, onlyEnums: true, enumsAsConst: true },
    },
    // One TypedDocumentNode per operation and fragment, with result and variables types:
    // `useQuery`, `useSuspenseQuery` and `useMutation` from @apollo/client/react infer
    // everything from the document.
    "generated/operations.ts": {
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        scalars,
        strictScalars: true,
        enumType: "const",
        enumValues: "./enums",
        useTypeImports: false,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
      },
    },
  },
};

export default config;
