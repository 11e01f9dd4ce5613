import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentsToSave, editedDocumentUris } from '../src/workspaceEdit';

describe('editedDocumentUris', () => {
  it('collects text edits from documentChanges and changes, once each', () => {
    const uris = editedDocumentUris({
      documentChanges: [
        { textDocument: { uri: 'file:///w/a.py' } },
        { kind: 'create', uri: 'file:///w/new.py' },
        { kind: 'rename', oldUri: 'file:///w/x.py', newUri: 'file:///w/y.py' },
        { textDocument: { uri: 'file:///w/a.py' } },
        { textDocument: { uri: 'file:///w/docs/b.md' } },
      ],
      changes: { 'file:///w/c.py': [] },
    });
    assert.deepEqual(uris, ['file:///w/a.py', 'file:///w/docs/b.md', 'file:///w/c.py']);
  });

  it('is empty for an empty edit', () => {
    assert.deepEqual(editedDocumentUris({}), []);
  });
});

describe('documentsToSave', () => {
  it('leaves documents that had unsaved changes before the edit', () => {
    const dirtyBefore = new Set(['file:///w/dirty.py']);
    assert.deepEqual(
      documentsToSave(['file:///w/clean.py', 'file:///w/dirty.py'], dirtyBefore),
      ['file:///w/clean.py'],
    );
  });

  it('compares normalized URIs', () => {
    const dirtyBefore = new Set(['file:///w/a%20b.py']);
    const normalize = (uri: string) => uri.replace(' ', '%20');
    assert.deepEqual(documentsToSave(['file:///w/a b.py', 'file:///w/c.py'], dirtyBefore, normalize), ['file:///w/c.py']);
  });
});
