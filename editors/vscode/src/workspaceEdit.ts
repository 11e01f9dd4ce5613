// Which documents a server's `workspace/applyEdit` touches. Pure (structural LSP types), so the
// "save what the workspace fix changed" rule is unit-tested without VS Code.

/** The parts of an LSP WorkspaceEdit that name documents. */
export interface WorkspaceEditLike {
  changes?: Record<string, unknown>;
  documentChanges?: ReadonlyArray<
    | { textDocument: { uri: string } }
    | { kind: 'create' | 'delete'; uri: string }
    | { kind: 'rename'; oldUri: string; newUri: string }
  >;
}

/** URIs of the documents whose text the edit changes (file creations, renames, deletions aside). */
export function editedDocumentUris(edit: WorkspaceEditLike): string[] {
  const uris = new Set<string>();
  for (const change of edit.documentChanges ?? []) {
    if ('textDocument' in change) {
      uris.add(change.textDocument.uri);
    }
  }
  for (const uri of Object.keys(edit.changes ?? {})) {
    uris.add(uri);
  }
  return [...uris];
}

/**
 * The documents to save after the edit: those it changed that had no unsaved changes before,
 * so the workspace fix ends with the files on disk, as `ssot-ls check --fix` does, while text
 * the user has not saved yet stays unsaved. `normalize` makes URIs comparable.
 */
export function documentsToSave(
  edited: readonly string[],
  dirtyBefore: ReadonlySet<string>,
  normalize: (uri: string) => string = (uri) => uri,
): string[] {
  return edited.map(normalize).filter((uri) => !dirtyBefore.has(uri));
}
