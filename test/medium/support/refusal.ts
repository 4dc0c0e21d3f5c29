import { DomainError } from '../../../src/common/errors/domain-error';

/** The domain error a command was refused with (status, stable name, message); fails when it was not refused. */
export async function refusal(command: Promise<unknown>): Promise<{ status: number; error: string; message: string }> {
  try {
    await command;
  } catch (error) {
    if (error instanceof DomainError) return { status: error.status, error: error.error, message: error.message };
    throw error;
  }
  throw new Error('expected the command to be refused');
}
