/**
 * Test-only helper: the slice of a Pebble MANIFEST needed to map an SST's blob reference IDs to
 * blob files (`pebble: internal/manifest/version_edit.go` `Decode`): new-file entries with custom
 * tags 69/70 (blob references: blob file IDs by reference index) and new-blob-file entries (tag 107:
 * blob file ID → disk file number). Not a general MANIFEST reader. @internal
 */
import { readFile } from 'node:fs/promises';
import { ByteReader } from '../../../util/byte-reader.js';
import { readLogRecords } from '../../../wal/record-reader.js';

export interface FixtureManifest {
  /** Table number → blob file IDs, indexed by reference ID. */
  readonly tableBlobRefs: Map<number, number[]>;
  /** Blob file ID → disk file number of the physical .blob file. */
  readonly blobFiles: Map<number, number>;
}

export async function readFixtureManifest(path: string): Promise<FixtureManifest> {
  const bytes = new Uint8Array(await readFile(path));
  const tableBlobRefs = new Map<number, number[]>();
  const blobFiles = new Map<number, number>();
  for (const rec of readLogRecords(bytes, { file: path })) {
    const r = new ByteReader(rec.payload, 'manifest', rec.offset);
    const bytesField = (): Uint8Array => r.bytesN(r.uvarint());
    while (!r.done) {
      const tag = r.uvarint();
      switch (tag) {
        case 1:
          bytesField();
          break; // comparator
        case 2:
        case 3:
        case 4:
        case 9:
        case 106:
          r.uvarint();
          break;
        case 5:
          r.uvarint();
          bytesField();
          break; // compact pointer
        case 6:
        case 11:
        case 105:
        case 108:
          r.uvarint();
          r.uvarint();
          break;
        case 10:
          bytesField();
          bytesField();
          r.uvarint();
          r.uvarint();
          break; // excise bounds
        case 107: {
          const id = r.uvarint();
          const fileNum = r.uvarint();
          r.uvarint();
          r.uvarint();
          r.uvarint(); // size, value size, creation time
          blobFiles.set(id, fileNum);
          break;
        }
        case 7:
        case 100:
        case 102:
        case 103:
        case 104: {
          r.uvarint(); // level
          const table = r.uvarint();
          if (tag === 102) r.uvarint();
          r.uvarint(); // size
          if (tag === 104) {
            const marker = r.u8();
            if (marker & 1) {
              bytesField();
              bytesField();
            }
            bytesField();
            bytesField();
          } else {
            bytesField();
            bytesField();
          }
          if (tag !== 7) {
            r.uvarint();
            r.uvarint();
          }
          if (tag === 103 || tag === 104) {
            for (;;) {
              const ct = r.uvarint();
              if (ct === 1) break;
              if (ct === 66) {
                r.uvarint();
                continue;
              }
              if (ct === 69 || ct === 70) {
                r.uvarint(); // reference depth
                const n = r.uvarint();
                const ids: number[] = [];
                for (let i = 0; i < n; i++) {
                  ids.push(r.uvarint());
                  r.uvarint();
                  if (ct === 70) r.uvarint();
                }
                tableBlobRefs.set(table, ids);
                continue;
              }
              bytesField();
            }
          }
          break;
        }
        default:
          throw new Error(`fixture manifest: unhandled version-edit tag ${tag} at ${rec.offset}`);
      }
    }
  }
  return { tableBlobRefs, blobFiles };
}
