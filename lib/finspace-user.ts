import { Annotations, CustomResource, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { formatViolations, type PartialDeclaration, validateDeclaration } from '../finspace/constraints';
import { ATTRIBUTES, RESOURCE_TYPE, toResourceProperties } from '../lambda/resource-properties';
import { declareUserOnce } from './declared-users';
import { FinspaceUserProvider, SERVICE_TIMEOUT } from './finspace-user-provider';

/** Fields given as roles: a broken rule names the prop the user wrote. */
const PROP_OF_FIELD: Record<string, string> = {
  adminRoleArn: 'adminRole.roleArn',
  apiAccessPrincipalArn: 'apiAccessPrincipal.roleArn',
};

/** FinSpace user types (the API's `UserType`). */
export enum FinspaceUserType {
  /** Permission to all the functionality and data in FinSpace. */
  SUPER_USER = 'SUPER_USER',
  /** Permissions granted through the permission groups the user belongs to. */
  APP_USER = 'APP_USER',
}

/** Whether a user may call GetProgrammaticAccessCredentials (the API's `ApiAccess`). */
export enum FinspaceApiAccess {
  ENABLED = 'ENABLED',
  DISABLED = 'DISABLED',
}

export interface FinspaceUserProps {
  /** The FinSpace environment that holds the user (1 to 26 characters). */
  readonly environmentId: string;

  /** The existing FinSpace user to manage (1 to 26 characters). Changing it replaces the resource. */
  readonly userId: string;

  /** The user's type. */
  readonly type: FinspaceUserType;

  /**
   * The user's first name (1 to 50 characters). Sensitive: never logged nor returned as an attribute.
   * @default - not managed: FinSpace keeps the current first name
   */
  readonly firstName?: string;

  /**
   * The user's last name (1 to 50 characters). Sensitive: never logged nor returned as an attribute.
   * @default - not managed: FinSpace keeps the current last name
   */
  readonly lastName?: string;

  /**
   * Whether the user may obtain FinSpace API credentials.
   * @default - not managed: FinSpace keeps the current setting
   */
  readonly apiAccess?: FinspaceApiAccess;

  /**
   * The IAM role allowed to obtain API credentials for this user (FinSpace's
   * `apiAccessPrincipalArn`): a role of this app, or one managed elsewhere
   * with `iam.Role.fromRoleArn`. FinSpace uses it while API access is
   * ENABLED; with DISABLED it keeps it on record (synth warns), and without
   * `apiAccess` the setting stays as FinSpace has it.
   * @default - not managed: FinSpace keeps the current principal
   */
  readonly apiAccessPrincipal?: iam.IRole;

  /**
   * An IAM role that FinSpace maps to a superuser with API access. The
   * handler assumes it (STS AssumeRole) and exchanges its credentials for
   * FinSpace API credentials; it is granted `sts:AssumeRole` on this role
   * only. A role defined in the same stack is made to trust the handler
   * role; for a role managed elsewhere (`iam.Role.fromRoleArn`), its owner
   * adds that trust (see the README).
   */
  readonly adminRole: iam.IRole;

  /**
   * The external id the handler sends when it assumes `adminRole` (STS
   * `ExternalId`, 2 to 1224 characters of `[\w+=,.@:\/-]`), for an admin role
   * whose trust policy requires one (`sts:ExternalId`). Not a secret to AWS,
   * but never logged nor echoed in messages.
   * @default - none sent
   */
  readonly externalId?: string;

  /**
   * What deleting the resource (or replacing it) does to the FinSpace user:
   * RETAIN leaves the user as it is and calls nothing; DESTROY disables the
   * user (FinSpace users cannot be deleted). Other policies are refused.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An existing Amazon FinSpace user whose type, names and API access are
 * declared in the stack and applied with UpdateUser on deploy.
 */
export class FinspaceUser extends Construct {
  /** The FinSpace user id. */
  readonly userId: string;
  /** The FinSpace environment id. */
  readonly environmentId: string;
  /** The role the stack's FinspaceUser handler runs as: an admin role managed elsewhere must trust it. */
  readonly handlerRole: iam.IRole;

  constructor(scope: Construct, id: string, props: FinspaceUserProps) {
    super(scope, id);

    const declaration: PartialDeclaration = {
      environmentId: props.environmentId,
      userId: props.userId,
      type: props.type,
      firstName: props.firstName,
      lastName: props.lastName,
      apiAccess: props.apiAccess,
      apiAccessPrincipalArn: props.apiAccessPrincipal?.roleArn,
      adminRoleArn: props.adminRole.roleArn,
      externalId: props.externalId,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    };
    // Tokens are checked again by the handler once CloudFormation resolves them.
    const violations = validateDeclaration(declaration, (value) => Token.isUnresolved(value));
    if (violations.length > 0) {
      const named = violations.map((v) => ({ ...v, field: PROP_OF_FIELD[v.field] ?? v.field }));
      throw new Error(`FinspaceUser ${this.node.path}: ${formatViolations(named)}`);
    }
    declareUserOnce(this, props.environmentId, props.userId);

    if (props.apiAccess === FinspaceApiAccess.DISABLED && props.apiAccessPrincipal !== undefined) {
      Annotations.of(this).addWarningV2(
        'finspace-user:principal-without-api-access',
        'apiAccessPrincipal is declared with apiAccess DISABLED: FinSpace keeps the principal on record, ' +
          'but it cannot obtain API credentials until apiAccess is ENABLED.',
      );
    }

    const provider = FinspaceUserProvider.of(this);
    provider.grantAssumeRole(props.adminRole);
    this.handlerRole = provider.handlerRole;
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: RESOURCE_TYPE,
      properties: toResourceProperties(declaration),
      // A handler that never answers fails the stack in minutes, not CloudFormation's default hour.
      serviceTimeout: SERVICE_TIMEOUT,
    });
    this.userId = resource.getAttString(ATTRIBUTES.userId);
    this.environmentId = resource.getAttString(ATTRIBUTES.environmentId);
  }
}
