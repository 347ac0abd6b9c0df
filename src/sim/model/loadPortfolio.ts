import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Contract, Portfolio, portfolioFileSchema, isOption } from './portfolioSchema';
import { formatYmd } from './time';

/** Thrown for an invalid portfolio; the message is a single line naming the offending field. */
export class PortfolioError extends Error {
  override name = 'PortfolioError';
}

function resolveExpiry(expiry: string, now: number): string {
  const relative = /^\+(\d+)d$/.exec(expiry);
  if (!relative) return expiry;
  return formatYmd(now + Number(relative[1]) * 86_400_000);
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : '(root)';
  return `${where}: ${issue.message}`;
}

/**
 * Validates a parsed portfolio document and resolves relative expiries ("+30d") against `now`.
 * Cross-checks references: positions name known accounts and contracts, options name a known underlying.
 */
export function parsePortfolio(input: unknown, now: number): Portfolio {
  const parsed = portfolioFileSchema.safeParse(input);
  if (!parsed.success) throw new PortfolioError(`invalid portfolio: ${firstIssue(parsed.error)}`);
  const file = parsed.data;

  const contracts: Contract[] = file.contracts.map((contract) => {
    const tradingClass = contract.tradingClass ?? contract.symbol;
    if (isOption(contract as Contract)) {
      const option = contract as Extract<typeof contract, { secType: 'OPT' | 'FOP' }>;
      return { ...option, tradingClass, expiry: resolveExpiry(option.expiry, now) };
    }
    const underlying = contract as Extract<typeof contract, { secType: 'STK' | 'FUT' }>;
    return {
      ...underlying,
      tradingClass,
      expiry: underlying.expiry === undefined ? undefined : resolveExpiry(underlying.expiry, now),
    };
  });

  const byConId = new Map<number, Contract>();
  for (const contract of contracts) {
    if (byConId.has(contract.conId)) throw new PortfolioError(`invalid portfolio: duplicate conId ${contract.conId}`);
    byConId.set(contract.conId, contract);
  }
  for (const contract of contracts) {
    if (!isOption(contract)) continue;
    const underlying = byConId.get(contract.underConId);
    if (!underlying || isOption(underlying)) {
      throw new PortfolioError(
        `invalid portfolio: contract ${contract.conId} has underConId ${contract.underConId}, which is not a STK or FUT contract`,
      );
    }
  }
  const accountIds = new Set(file.accounts.map((account) => account.id));
  if (accountIds.size !== file.accounts.length) throw new PortfolioError('invalid portfolio: duplicate account id');
  file.positions.forEach((position, index) => {
    if (!accountIds.has(position.account)) {
      throw new PortfolioError(`invalid portfolio: positions.${index}.account: unknown account ${position.account}`);
    }
    if (!byConId.has(position.conId)) {
      throw new PortfolioError(`invalid portfolio: positions.${index}.conId: unknown contract ${position.conId}`);
    }
  });
  return { accounts: file.accounts, contracts, positions: file.positions };
}

/** Reads and validates a portfolio JSON file. */
export function loadPortfolioFile(path: string, now: number): Portfolio {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PortfolioError(`cannot read portfolio file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PortfolioError(`portfolio file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parsePortfolio(json, now);
}
