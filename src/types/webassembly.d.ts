/**
 * The parts of the WebAssembly JavaScript API this project uses. Node provides them; the
 * ES library declarations do not (they live in the DOM library).
 */
declare namespace WebAssembly {
  interface Module {}
  var Module: { prototype: Module; new (bytes: Uint8Array): Module };
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  var Instance: { prototype: Instance; new (module: Module, imports?: Record<string, Record<string, unknown>>): Instance };
  interface Memory {
    readonly buffer: ArrayBuffer;
  }
  var Memory: { prototype: Memory; new (descriptor: { initial: number; maximum?: number }): Memory };
  function validate(bytes: Uint8Array): boolean;
}
