/**
 * Test-only helper: just enough of the SST container (footer, trailers, metaindex, properties,
 * index) to find the blocks of the columnar fixture tables before `sst/`'s reader exists. Handles
 * Pebble footers v6/v7 only. May be replaced by the container's `openSst` later. @internal
 */
import { readFile } from 'node:fs/promises';
import { crc32c } from '@node-rs/crc32';
import { decompressBlock } from '../../../compress/index.js';
import { ByteReader } from '../../../util/byte-reader.js';
import { decodeColumnarIndexBlock, decodeColumnarKeyValueBlock } from '../index.js';

export interface FixtureBlock {
  readonly offset: number;
  readonly length: number;
  readonly data: Uint8Array;
}

export interface FixtureSst {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly version: number;
  readonly meta: Map<string, { offset: number; length: number }>;
  readonly props: Map<string, Uint8Array>;
  readonly indexBlocks: FixtureBlock[];
  readonly dataBlocks: FixtureBlock[];
  readBlock(offset: number, length: number): Uint8Array;
}

function maskedCrc(a: Uint8Array): number {
  const c = crc32c(a) >>> 0;
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

export async function openFixtureSst(path: string): Promise<FixtureSst> {
  const bytes = new Uint8Array(await readFile(path));
  const tail = bytes.subarray(bytes.length - 61);
  const dv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const version = dv.getUint32(61 - 12, true);
  const footerLen = version >= 7 ? 61 : version === 6 ? 57 : 53;
  const footer = bytes.subarray(bytes.length - footerLen);
  const r = new ByteReader(footer, 'sst', bytes.length - footerLen);
  r.u8(); // checksum type
  const metaH = { offset: r.uvarint(), length: r.uvarint() };
  const indexH = { offset: r.uvarint(), length: r.uvarint() };

  const readBlock = (offset: number, length: number): Uint8Array => {
    const body = bytes.subarray(offset, offset + length + 1);
    const stored = new DataView(bytes.buffer, bytes.byteOffset + offset + length + 1, 4).getUint32(0, true);
    if (maskedCrc(body) !== stored) throw new Error(`checksum mismatch in ${path} block at ${offset}`);
    return decompressBlock(bytes[offset + length]!, bytes.subarray(offset, offset + length));
  };

  const meta = new Map<string, { offset: number; length: number }>();
  for (const [k, v] of decodeColumnarKeyValueBlock(readBlock(metaH.offset, metaH.length), metaH.offset)) {
    const hr = new ByteReader(v, 'sst');
    meta.set(new TextDecoder().decode(k), { offset: hr.uvarint(), length: hr.uvarint() });
  }
  const props = new Map<string, Uint8Array>();
  const ph = meta.get('rocksdb.properties');
  if (ph) {
    for (const [k, v] of decodeColumnarKeyValueBlock(readBlock(ph.offset, ph.length), ph.offset)) {
      props.set(new TextDecoder().decode(k), v);
    }
  }
  const indexType = props.get('rocksdb.block.based.table.index.type');
  const twoLevel = indexType !== undefined && indexType.length === 4 && indexType[0] === 2;
  const indexBlocks: FixtureBlock[] = [];
  const top = { offset: indexH.offset, length: indexH.length, data: readBlock(indexH.offset, indexH.length) };
  if (twoLevel) {
    for (const e of decodeColumnarIndexBlock(top.data, top.offset)) {
      const o = Number(e.offset);
      const l = Number(e.length);
      indexBlocks.push({ offset: o, length: l, data: readBlock(o, l) });
    }
  } else {
    indexBlocks.push(top);
  }
  const dataBlocks: FixtureBlock[] = [];
  for (const ib of indexBlocks) {
    for (const e of decodeColumnarIndexBlock(ib.data, ib.offset)) {
      const o = Number(e.offset);
      const l = Number(e.length);
      dataBlocks.push({ offset: o, length: l, data: readBlock(o, l) });
    }
  }
  return { file: path, bytes, version, meta, props, indexBlocks, dataBlocks, readBlock };
}

/** LEB128 property value as a bigint. */
export function uvarintProp(v: Uint8Array | undefined): bigint | undefined {
  return v === undefined ? undefined : new ByteReader(v, 'sst').uvarintBig();
}
