// Unwrap the generated client's {data, error, response}: data, or throw an Error carrying the
// API's words and the HTTP status (shown to the user; 401 triggers a refresh).
import { detail } from '@/lib/auth';

export class ApiError extends Error {
  constructor(message: string, public status: number) {
    super(message);
  }
}

export async function data<T>(
  call: Promise<{ data?: T; error?: unknown; response?: Response }>,
): Promise<T> {
  const result = await call;
  if (result.error !== undefined || !result.response?.ok) {
    const status = result.response?.status ?? 0;
    throw new ApiError(detail(result.error) ?? `HTTP ${status}`, status);
  }
  return result.data as T;
}
