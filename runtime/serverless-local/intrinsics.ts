import type { CfnValue } from './cloud-assembly.ts';

/** What a logical resource resolves to once it exists on the emulator: its `Ref` and its attributes. */
export interface ProvisionedResource {
  ref: string;
  attributes: Record<string, string>;
}

export interface IntrinsicContext {
  region: string;
  accountId: string;
  /** Creates (or finds) the resource on the emulator; called for each logical id a value refers to. */
  resource(logicalId: string): Promise<ProvisionedResource>;
}

/**
 * Resolves the CloudFormation intrinsics the broker's templates use (Ref, Fn::GetAtt, Fn::Join, Fn::Sub
 * without a variable map, Fn::Select, the pseudo parameters) to strings. Anything else is refused by name:
 * a template that grew a new intrinsic must be taught here, not silently passed through.
 * Reference: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 */
export async function resolveValue(value: CfnValue, context: IntrinsicContext): Promise<string> {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  const [fn, args] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  switch (fn) {
    case 'Ref':
      return ref(String(args), context);
    case 'Fn::GetAtt': {
      const [id, attribute] = args as [string, string];
      const resource = await context.resource(id);
      const found = resource.attributes[attribute];
      if (found === undefined) throw new Error(`Fn::GetAtt ${id}.${attribute}: not provided locally`);
      return found;
    }
    case 'Fn::Join': {
      const [separator, parts] = args as [string, CfnValue[]];
      const resolved = await Promise.all(parts.map((part) => resolveValue(part, context)));
      return resolved.join(separator);
    }
    case 'Fn::Select': {
      const [index, list] = args as [number, CfnValue[]];
      return resolveValue(list[index], context);
    }
    case 'Fn::Sub': {
      if (typeof args !== 'string') throw new Error('Fn::Sub with a variable map is not supported locally');
      let out = args;
      for (const match of args.matchAll(/\$\{([^}]+)\}/g)) {
        const [name, attribute] = match[1]!.split('.') as [string, string | undefined];
        const resolved = attribute
          ? await resolveValue({ 'Fn::GetAtt': [name, attribute] }, context)
          : await ref(name, context);
        out = out.replace(match[0], resolved);
      }
      return out;
    }
    default:
      throw new Error(`unsupported intrinsic ${fn}`);
  }
}

async function ref(name: string, context: IntrinsicContext): Promise<string> {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    default:
      return (await context.resource(name)).ref;
  }
}
