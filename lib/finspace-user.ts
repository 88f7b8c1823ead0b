import {
  Annotations,
  type CfnResource,
  CustomResource,
  type IResource,
  Lazy,
  RemovalPolicy,
  Resource,
  Token,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import {
  formatViolations,
  type PartialDeclaration,
  REMOVAL_POLICIES,
  type UserRemovalPolicy,
  validateDeclaration,
  type Violation,
} from '../finspace/constraints';
import { ATTRIBUTES, RESOURCE_TYPE, toResourceProperties } from '../lambda/resource-properties';
import { CLOUDFORMATION_RETAIN_WARNING, cloudFormationPolicyReport } from './cloudformation-policies';
import { declareUserOnce } from './declared-users';
import { FinspaceUserProvider, SERVICE_TIMEOUT } from './finspace-user-provider';
import { grantProgrammaticAccess } from './programmatic-access';

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

/** A FinSpace user: one this app declares (`FinspaceUser`), or one declared elsewhere (`FinspaceUser.fromUserAttributes`). */
export interface IFinspaceUser extends IResource {
  /**
   * The FinSpace user id.
   * @attribute
   */
  readonly userId: string;
  /**
   * The FinSpace environment that holds the user.
   * @attribute
   */
  readonly environmentId: string;
  /**
   * Lets `grantee` call `finspace-api:GetProgrammaticAccessCredentials` on
   * its one resource (`arn:<partition>:finspace-api:<region>:<account>:/credentials/programmatic`,
   * the stack's region and account). IAM's half only: FinSpace gives the
   * credentials of the user whose API principal (`apiAccessPrincipal`) the
   * caller is, while that user's API access is ENABLED.
   */
  grantProgrammaticAccess(grantee: iam.IGrantable): iam.Grant;
}

/** A FinSpace user declared elsewhere, as `FinspaceUser.fromUserAttributes` refers to it. */
export interface FinspaceUserAttributes {
  /** The FinSpace environment that holds the user (1 to 26 characters). */
  readonly environmentId: string;
  /** The FinSpace user id (1 to 26 characters). */
  readonly userId: string;
}

export interface FinspaceUserProps {
  /** The FinSpace environment that holds the user (1 to 26 characters). */
  readonly environmentId: string;

  /** The existing FinSpace user to manage (1 to 26 characters). Changing it replaces the resource. */
  readonly userId: string;

  /** The user's type: SUPER_USER or APP_USER. */
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
   * `user.applyRemovalPolicy(policy)` sets the same. The CloudFormation
   * resource's own DeletionPolicy stays Delete, so that a failed deploy is
   * still undone.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An existing Amazon FinSpace user whose type, names and API access are
 * declared in the stack and applied with UpdateUser on deploy.
 *
 * @resource Custom::FinspaceUser
 */
export class FinspaceUser extends Resource implements IFinspaceUser {
  /**
   * Refers to a FinSpace user declared elsewhere (another app, another
   * stack, or no stack at all), to grant access to or, later, to add to
   * permission groups. Makes no resource and calls nothing: the ids are
   * checked against FinSpace's rules unless they are tokens.
   */
  static fromUserAttributes(scope: Construct, id: string, attrs: FinspaceUserAttributes): IFinspaceUser {
    const given = attrs ?? ({} as Partial<FinspaceUserAttributes>);
    const problems = validateDeclaration({ environmentId: given.environmentId, userId: given.userId }, (value) =>
      Token.isUnresolved(value),
    ).filter((v) => v.field === 'environmentId' || v.field === 'userId');
    if (problems.length > 0) {
      throw new Error(`FinspaceUser.fromUserAttributes ${scope.node.path}/${id}: ${formatViolations(problems)}`);
    }
    class Import extends Resource implements IFinspaceUser {
      readonly userId = given.userId as string;
      readonly environmentId = given.environmentId as string;
      grantProgrammaticAccess(grantee: iam.IGrantable): iam.Grant {
        return grantProgrammaticAccess(this, grantee);
      }
    }
    return new Import(scope, id);
  }

  /**
   * The FinSpace user id.
   * @attribute
   */
  readonly userId: string;
  /**
   * The FinSpace environment id.
   * @attribute
   */
  readonly environmentId: string;
  /** The role the stack's FinspaceUser handler runs as: an admin role managed elsewhere must trust it. */
  readonly handlerRole: iam.IRole;

  /** What the handler does on Delete: the prop, or what `applyRemovalPolicy` set since. */
  private userRemovalPolicy: UserRemovalPolicy;

  constructor(scope: Construct, id: string, props: FinspaceUserProps) {
    super(scope, id);
    // A JavaScript caller has no compiler to say a prop is missing: say it here, by name.
    const given = props ?? ({} as Partial<FinspaceUserProps>);
    const roleProblems = [
      roleProblem('adminRole', given.adminRole),
      roleProblem('apiAccessPrincipal', given.apiAccessPrincipal),
    ];

    const declaration: PartialDeclaration = {
      environmentId: given.environmentId,
      userId: given.userId,
      type: given.type,
      firstName: given.firstName,
      lastName: given.lastName,
      apiAccess: given.apiAccess,
      apiAccessPrincipalArn: given.apiAccessPrincipal?.roleArn,
      adminRoleArn: given.adminRole?.roleArn,
      externalId: given.externalId,
      removalPolicy: given.removalPolicy ?? RemovalPolicy.RETAIN,
    };
    // Tokens are checked again by the handler once CloudFormation resolves them.
    const violations = [
      ...roleProblems.filter((v): v is Violation => v !== undefined),
      ...validateDeclaration(declaration, (value) => Token.isUnresolved(value))
        .filter((v) => !roleProblems.some((r) => r !== undefined && ROLE_FIELDS[r.field] === v.field))
        .map((v) => ({ ...v, field: PROP_OF_FIELD[v.field] ?? v.field })),
    ];
    if (violations.length > 0) {
      throw new Error(`FinspaceUser ${this.node.path}: ${formatViolations(violations)}`);
    }
    const adminRole = given.adminRole as iam.IRole;
    declareUserOnce(this, declaration.environmentId as string, declaration.userId as string);
    this.userRemovalPolicy = declaration.removalPolicy as UserRemovalPolicy;

    if (given.apiAccess === FinspaceApiAccess.DISABLED && given.apiAccessPrincipal !== undefined) {
      Annotations.of(this).addWarningV2(
        'finspace-user:principal-without-api-access',
        'apiAccessPrincipal is declared with apiAccess DISABLED: FinSpace keeps the principal on record, ' +
          'but it cannot obtain API credentials until apiAccess is ENABLED.',
      );
    }

    const provider = FinspaceUserProvider.of(this);
    provider.grantAssumeRole(adminRole);
    this.handlerRole = provider.handlerRole;
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: RESOURCE_TYPE,
      properties: toResourceProperties({
        ...declaration,
        // Read when the template is written: applyRemovalPolicy may change it after construction.
        removalPolicy: Lazy.string({ produce: () => this.userRemovalPolicy }),
      }),
      // A handler that never answers fails the stack in minutes, not CloudFormation's default hour.
      serviceTimeout: SERVICE_TIMEOUT,
    });
    this.userId = resource.getAttString(ATTRIBUTES.userId);
    this.environmentId = resource.getAttString(ATTRIBUTES.environmentId);

    // A role of this app may call the API for the user: it gets the IAM permission too. (A role
    // managed elsewhere is its owner's to change: grantProgrammaticAccess.)
    const principal = given.apiAccessPrincipal;
    if (
      principal instanceof iam.Role &&
      Resource.isOwnedResource(principal) &&
      given.apiAccess !== FinspaceApiAccess.DISABLED
    ) {
      this.grantProgrammaticAccess(principal);
    }

    // The CfnResource is the user's, as in every L2: escape hatches reach it, and Resource.isOwnedResource sees it.
    const cfnResource = resource.node.defaultChild as CfnResource;
    this.node.defaultChild = cfnResource;
    this.node.addValidation({ validate: () => this.checkCloudFormationPolicies(cfnResource) });
  }

  grantProgrammaticAccess(grantee: iam.IGrantable): iam.Grant {
    return grantProgrammaticAccess(this, grantee);
  }

  /**
   * Sets what the handler does when the resource is deleted or replaced:
   * RETAIN or DESTROY, as the `removalPolicy` prop. The CloudFormation
   * resource's DeletionPolicy stays Delete: a CloudFormation Retain would also
   * keep a failed deploy from being undone.
   */
  override applyRemovalPolicy(policy: RemovalPolicy): void {
    const allowed: readonly string[] = REMOVAL_POLICIES;
    if (!allowed.includes(policy)) {
      throw new Error(
        `FinspaceUser ${this.node.path}: applyRemovalPolicy: must be one of ${REMOVAL_POLICIES.join(', ')} (got ${JSON.stringify(policy)})`,
      );
    }
    this.userRemovalPolicy = policy as UserRemovalPolicy;
  }

  /** A policy set on the CfnResource directly, reported at synth (lib/cloudformation-policies.ts says why). */
  private checkCloudFormationPolicies(cfnResource: CfnResource): string[] {
    const report = cloudFormationPolicyReport(cfnResource, this.userRemovalPolicy);
    if (report === undefined) return [];
    if (report.level === 'error') return [`FinspaceUser ${this.node.path}: ${report.message}`];
    Annotations.of(this).addWarningV2(CLOUDFORMATION_RETAIN_WARNING, report.message);
    return [];
  }
}

/** Props given as roles, and the declaration field each one's ARN goes to. */
const ROLE_FIELDS: Record<string, string> = { adminRole: 'adminRoleArn', apiAccessPrincipal: 'apiAccessPrincipalArn' };

/** A broken rule of a role's ARN names the prop the user wrote. */
const PROP_OF_FIELD: Record<string, string> = {
  adminRoleArn: 'adminRole.roleArn',
  apiAccessPrincipalArn: 'apiAccessPrincipal.roleArn',
};

/** A missing adminRole, or anything that is not a role where one is expected (a JavaScript caller's ARN string). */
function roleProblem(prop: string, role: unknown): Violation | undefined {
  if (role === undefined || role === null) {
    return prop === 'adminRole' ? { field: prop, message: 'is required' } : undefined;
  }
  const arn = (role as { roleArn?: unknown }).roleArn;
  if (typeof arn === 'string') return undefined;
  const got = typeof role === 'string' ? ` (got a string; use iam.Role.fromRoleArn)` : '';
  return { field: prop, message: `must be an iam.IRole${got}` };
}
