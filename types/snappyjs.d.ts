/** Minimal typings for snappyjs 0.7 (it ships none): the Snappy raw format, https://github.com/zhipeng-jia/snappyjs */
declare module 'snappyjs' {
  /** Decompresses a Snappy block. @throws Error on an invalid bitstream */
  function uncompress<T extends Buffer | Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
  /** Compresses into a Snappy block. */
  function compress<T extends Buffer | Uint8Array | ArrayBuffer>(uncompressed: T): T;
  const snappy: { uncompress: typeof uncompress; compress: typeof compress };
  export default snappy;
  export { uncompress, compress };
}
