import { EC2Client } from '@aws-sdk/client-ec2';

/** Answers one SDK action (`RunInstances`, `PutObject`, …) from its command input. */
export type Handler = (input: Record<string, unknown>) => unknown;

export interface RecordedCall {
  action: string;
  input: Record<string, unknown>;
}

/**
 * Replaces an SDK client's `send` so it answers from handlers by action name and records every call (no
 * network); an action without a handler throws. Returns the calls as they are made.
 */
export function stubSend(client: { send: unknown }, handlers: Record<string, Handler>): RecordedCall[] {
  const calls: RecordedCall[] = [];
  client.send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const action = command.constructor.name.replace(/Command$/, '');
    calls.push({ action, input: command.input });
    const handler = handlers[action];
    if (!handler) throw new Error(`unexpected ${action}`);
    return handler(command.input);
  };
  return calls;
}

/** An EC2Client with fake credentials whose `send` answers from handlers (stubSend). */
export function stubEc2(handlers: Record<string, Handler>): { ec2: EC2Client; calls: RecordedCall[] } {
  const ec2 = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  return { ec2, calls: stubSend(ec2, handlers) };
}
