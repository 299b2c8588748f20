/**
 * Runs one proxy agent in its own process (as a sidecar would be) from a JSON config given on argv, with
 * V8 tuned as `meshscope agent` tunes it.
 */
import { parseAgentConfig, startAgent, tuneV8ForAgent } from '@meshscope/proxy-agent';

tuneV8ForAgent();
const config = parseAgentConfig(JSON.parse(process.argv[2] ?? '{}') as unknown);
const agent = await startAgent(config);
process.send?.({ ports: agent.ports });
process.on('disconnect', () => {
  void agent.close().then(() => process.exit(0));
});
