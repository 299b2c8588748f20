/** Runs one proxy agent in its own process (as a sidecar would be) from a JSON config given on argv. */
import { parseAgentConfig, startAgent } from '@meshscope/proxy-agent';

const config = parseAgentConfig(JSON.parse(process.argv[2] ?? '{}') as unknown);
const agent = await startAgent(config);
process.send?.({ ports: agent.ports });
process.on('disconnect', () => {
  void agent.close().then(() => process.exit(0));
});
