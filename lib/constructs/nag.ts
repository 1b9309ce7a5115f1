import { type Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How cdk-nag writes a stack's partition, account and region inside a finding id: the literal value when the stack's
 * environment resolves it, `<AWS::Partition>`-style otherwise. Acknowledgments must use the same text.
 */
export function nagPseudo(stack: Stack): { partition: string; account: string; region: string } {
  const text = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
  return {
    partition: text(stack.partition, 'AWS::Partition'),
    account: text(stack.account, 'AWS::AccountId'),
    region: text(stack.region, 'AWS::Region'),
  };
}

/** Acknowledges one AwsSolutions-IAM5 wildcard finding (`Resource::...` or `Action::...`) on `scope`, with its reason. */
export function acknowledgeWildcard(scope: IConstruct, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
}
