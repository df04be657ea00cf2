import { IsOptional, Length } from 'class-validator';
import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { Sandbox } from '../../persistence/entities/access.js';
import type { CreatedSandbox, SandboxPart } from '../../domain/sandbox/create-sandbox.js';
import type { TestClock } from '../../domain/sandbox/test-clock.js';
import { OrganizationType, Role } from '../access/access.types.js';
import { UuidScalar } from '../common/scalars.js';

export enum SandboxPartEnum {
  BRAND = 'BRAND',
  IN_HOUSE = 'IN_HOUSE',
  OUTSOURCER_1 = 'OUTSOURCER_1',
  OUTSOURCER_2 = 'OUTSOURCER_2',
  OUTSOURCER_3 = 'OUTSOURCER_3',
  OPERATOR = 'OPERATOR',
}
registerEnumType(SandboxPartEnum, {
  name: 'SandboxPart',
  description: 'What a sandbox organisation plays in its sandbox.',
  valuesConfig: {
    BRAND: { description: 'The sandbox’s brand: posts spikes, reads its routing plans and invoices.' },
    IN_HOUSE: { description: 'The brand’s in-house team (skills billing, en-GB).' },
    OUTSOURCER_1: { description: 'An outsourcer with billing, en-GB, es-ES and PCI_DSS.' },
    OUTSOURCER_2: { description: 'An outsourcer with billing and en-GB.' },
    OUTSOURCER_3: { description: 'An outsourcer with tech-support, en-GB and PCI_DSS.' },
    OPERATOR: { description: 'The operator’s view of the sandbox: sees and runs everything in it, nothing outside it.' },
  },
});

export enum TestClockStatusEnum {
  ADVANCING = 'ADVANCING',
  READY = 'READY',
}
registerEnumType(TestClockStatusEnum, {
  name: 'TestClockStatus',
  description: 'Whether the work that fell due on the last advance has run.',
  valuesConfig: {
    ADVANCING: { description: 'Clearing, settlement or rescoring due at the clock’s time is still to run: poll again.' },
    READY: { description: 'Everything due at the clock’s time has run.' },
  },
});

@ObjectType('Sandbox', { description: 'A sandbox (test mode): its own organisations, keys, money and test clock; it never touches the live world.' })
export class SandboxType {
  @Field(() => UuidScalar, { description: 'Sandbox id.' }) id!: string;
  @Field(() => String, { description: 'The name given at creation.' }) name!: string;
  @Field(() => Date, { description: 'The test clock: the sandbox’s now. Moves only with advanceTestClock.' }) clockTime!: Date;
  @Field(() => Date, { description: 'When it was created (real time).' }) createdAt!: Date;
  @Field(() => Date, { nullable: true, description: 'When it was deleted; its keys were revoked then.' }) deletedAt!: Date | null;

  static from(s: Sandbox): SandboxType {
    return Object.assign(new SandboxType(), { id: s.id, name: s.name, clockTime: s.clockTime, createdAt: s.createdAt, deletedAt: s.deletedAt });
  }
}

@ObjectType('SandboxApiKey', { description: 'A sandbox key, shown once: `bx_test_…`.' })
export class SandboxApiKeyType {
  @Field(() => UuidScalar, { description: 'Key id.' }) id!: string;
  @Field(() => Role, { description: 'What the key may do.' }) role!: Role;
  @Field(() => String, { description: 'The whole key (bx_test_…). Shown once, never again: store it now.' }) secret!: string;
}

@ObjectType('SandboxOrganization', { description: 'One organisation of a new sandbox, with its keys.' })
export class SandboxOrganizationType {
  @Field(() => SandboxPartEnum, { description: 'What it plays.' }) part!: SandboxPartEnum;
  @Field(() => OrganizationType, { description: 'The organisation (sandboxId set).' }) organization!: OrganizationType;
  @Field(() => [SandboxApiKeyType], { description: 'Its keys: one for its main role and one FINANCE key.' }) keys!: SandboxApiKeyType[];
}

@ObjectType('CreatedSandbox', { description: 'A new sandbox and its organisations; the keys are never shown again.' })
export class CreatedSandboxType {
  @Field(() => SandboxType, { description: 'The sandbox.' }) sandbox!: SandboxType;
  @Field(() => [SandboxOrganizationType], { description: 'Brand, in-house team, three outsourcers, operator view.' }) organizations!: SandboxOrganizationType[];

  static from(c: CreatedSandbox): CreatedSandboxType {
    return Object.assign(new CreatedSandboxType(), {
      sandbox: SandboxType.from(c.sandbox),
      organizations: c.organizations.map((o) =>
        Object.assign(new SandboxOrganizationType(), {
          part: o.part as SandboxPart as SandboxPartEnum,
          organization: OrganizationType.from(o.organization),
          keys: o.keys.map((k) => Object.assign(new SandboxApiKeyType(), { id: k.apiKeyId, role: k.role, secret: k.secret })),
        }),
      ),
    });
  }
}

@ObjectType('TestClock', { description: 'A sandbox’s test clock.' })
export class TestClockType {
  @Field(() => UuidScalar, { description: 'The sandbox.' }) sandboxId!: string;
  @Field(() => Date, { description: 'The clock’s time: the sandbox’s now.' }) time!: Date;
  @Field(() => TestClockStatusEnum, { description: 'READY once everything due at `time` has run.' }) status!: TestClockStatusEnum;

  static from(c: TestClock): TestClockType {
    return Object.assign(new TestClockType(), { sandboxId: c.sandbox.id, time: c.sandbox.clockTime, status: c.status as TestClockStatusEnum });
  }
}

@InputType({ description: 'A new sandbox.' })
export class CreateSandboxInput {
  @Field(() => String, { nullable: true, description: 'A name to tell your sandboxes apart (1-100 characters; default "Sandbox").' })
  @IsOptional()
  @Length(1, 100)
  name?: string | null;
}
