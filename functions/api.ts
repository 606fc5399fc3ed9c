import { handle } from 'hono/aws-lambda';
import { lambdaBroker } from '../runtime/aws/lambda-broker.ts';

type ApiHandler = ReturnType<typeof handle>;

/** The API function: API Gateway HTTP API (payload v2) → the broker's Hono app. */
export const handler: ApiHandler = async (event, context) => {
  const { app } = await lambdaBroker();
  return handle(app)(event, context);
};
