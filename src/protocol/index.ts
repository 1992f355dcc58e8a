// Wire facts for the protocols the guest drivers speak: tables and enums only, no logic.
export * from './vtest.js';
export * from './virgl-commands.js';
export * from './virgl-bitfields.js';
export * from './virgl-formats.js';
export * from './format-blocks.js';
export * from './gallium.js';
export * from './caps.js';
export * from './virgl-host-structs.js';
export * from './struct-layout.js';
