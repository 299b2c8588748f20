/** @meshscope/proxy-agent: the sidecar's public surface. */
export { startAgent, AgentConfigError } from './agent.js';
export type { AgentHandle, AgentEvents, StartOptions } from './agent.js';
export { agentConfigSchema, parseAgentConfig } from './config/agent-config.js';
export type { AgentConfig, AgentConfigInput } from './config/agent-config.js';
export { parseMeshConfig } from './config/mesh-config.js';
export type { MeshConfigResult } from './config/mesh-config.js';
export { loadMeshConfigFile, validate } from './config/load.js';
export type { ValidateResult } from './config/load.js';
export { formatIssue } from './config/issues.js';
export type { ConfigIssue } from './config/issues.js';
export type { MeshConfig } from './config/model.js';
export { parseRegistry, loadRegistryFile } from './registry/static-file.js';
