// Type definitions for Stampede's k6/x/stripe module.
// Use next to @types/k6: add this folder to "typeRoots" or reference it with
// /// <reference path="types/k6-x-stripe/index.d.ts" />.

declare module "k6/x/stripe" {
    import { Params, RefinedResponse, ResponseType } from "k6/http";

    /** The HTTP header Stripe puts its signature in: "Stripe-Signature". */
    export const SIGNATURE_HEADER: "Stripe-Signature";
    /** The api_version of events unless told otherwise (what stripe-go v82 expects). */
    export const DEFAULT_API_VERSION: string;
    /** How old a signature may be before verify() rejects it: 300 seconds. */
    export const DEFAULT_TOLERANCE_SECONDS: number;

    /**
     * What can be signed: a string (signed as UTF-8), an ArrayBuffer or a
     * view on one, or an event object (signed and sent as JSON.stringify
     * gives it).
     */
    export type Payload = string | ArrayBuffer | ArrayBufferView | object;

    /** A point in time: whole Unix seconds, or a Date (rounded down to the second). */
    export type Timestamp = number | Date;

    /**
     * An endpoint secret ("whsec_..."). It never appears in errors, logs or
     * returned values.
     */
    export type Secret = string | ArrayBuffer;

    export interface SignOptions {
        /** Signing time; default now. */
        timestamp?: Timestamp;
        /** Signature scheme key; default "v1". "v0" makes a header verifiers ignore. */
        scheme?: string;
        /** More secrets, each adding one more entry (what Stripe sends while a secret is rolled). */
        rotated?: Secret[];
    }

    export interface VerifyOptions {
        /** Largest accepted signature age in seconds; default (and for values <= 0) 300. */
        tolerance?: number;
    }

    export interface EventOptions {
        /** Event id; default a new unique "evt_" id (unique across VUs and instances). */
        id?: string;
        /** Creation time; default now. */
        created?: Timestamp;
        /** api_version; default DEFAULT_API_VERSION. */
        apiVersion?: string;
        /** Live-mode event; default false (test mode). */
        livemode?: boolean;
    }

    /** A Stripe event object, as delivered to a webhook endpoint. */
    export interface StripeEvent<T = Record<string, unknown>> {
        id: string;
        object: "event";
        api_version: string;
        /** Unix seconds. */
        created: number;
        data: { object: T };
        livemode: boolean;
        pending_webhooks: number;
        request: { id: string | null; idempotency_key: string | null };
        type: string;
    }

    export interface PurchaseBase extends EventOptions {
        /** The staging API's user id ("usr_..."). */
        userId: string;
        /** Tokens bought; becomes metadata.tokens as a decimal string (the staging API accepts 1..1000). */
        tokens: number;
        /** ISO currency code; default "usd". */
        currency?: string;
        /** Extra metadata; the builder's own keys (tokens, user_id) win. */
        metadata?: Record<string, string>;
    }

    export interface CheckoutCompletedParams extends PurchaseBase {
        /** Amount charged in cents; default tokens * 100. */
        amountTotal?: number;
    }

    export interface PaymentIntentSucceededParams extends PurchaseBase {
        /** Amount charged in cents; default tokens * 100. */
        amount?: number;
    }

    export interface CheckoutSession {
        id: string;
        object: "checkout.session";
        amount_subtotal: number;
        amount_total: number;
        client_reference_id: string;
        created: number;
        currency: string;
        customer: string | null;
        livemode: boolean;
        metadata: { tokens: string; [key: string]: string };
        mode: "payment";
        payment_intent: string;
        payment_status: "paid";
        status: "complete";
    }

    export interface PaymentIntent {
        id: string;
        object: "payment_intent";
        amount: number;
        amount_received: number;
        created: number;
        currency: string;
        livemode: boolean;
        metadata: { user_id: string; tokens: string; [key: string]: string };
        status: "succeeded";
    }

    /** k6/http params plus the signing time and scheme. */
    export interface WebhookParams extends Params {
        /** Signing time; default now. */
        timestamp?: Timestamp;
        /** Signature scheme key; default "v1". */
        scheme?: string;
    }

    /** The hex HMAC-SHA256 of "<timestamp>.<payload>" keyed with secret: a v1 entry's value. */
    export function signature(payload: Payload, secret: Secret, timestamp?: Timestamp): string;

    /** The Stripe-Signature header value: "t=<unix>,v1=<hex>" (one more entry per rotated secret). */
    export function sign(payload: Payload, secret: Secret, options?: SignOptions): string;

    /**
     * Returns true when header carries a valid v1 signature of payload by
     * secret. Throws otherwise, saying why: a malformed header, no valid
     * signature (checked first), or an expired timestamp.
     */
    export function verify(payload: Payload, header: string, secret: Secret, options?: VerifyOptions): true;

    /** A Stripe event of type about object (kept by reference). */
    export function event<T extends object = Record<string, unknown>>(
        type: string,
        object?: T | null,
        options?: EventOptions,
    ): StripeEvent<T>;

    /** A checkout.session.completed event: client_reference_id = userId, metadata.tokens = tokens. */
    export function checkoutCompleted(params: CheckoutCompletedParams): StripeEvent<CheckoutSession>;

    /** A payment_intent.succeeded event: metadata.user_id = userId, metadata.tokens = tokens. */
    export function paymentIntentSucceeded(params: PaymentIntentSucceededParams): StripeEvent<PaymentIntent>;

    /**
     * Serialises event (objects with JSON.stringify; strings and buffers as
     * they are), signs it and POSTs it to url through k6/http, with
     * Content-Type application/json (unless params.headers sets one),
     * params.headers, and Stripe-Signature. Same metrics and tags as any
     * k6/http request; returns its Response.
     */
    export function webhook<RT extends ResponseType | undefined>(
        url: string,
        event: Payload,
        secret: Secret,
        params?: WebhookParams & { responseType?: RT } | null,
    ): RefinedResponse<RT>;

    const stripe: {
        SIGNATURE_HEADER: typeof SIGNATURE_HEADER;
        DEFAULT_API_VERSION: typeof DEFAULT_API_VERSION;
        DEFAULT_TOLERANCE_SECONDS: typeof DEFAULT_TOLERANCE_SECONDS;
        signature: typeof signature;
        sign: typeof sign;
        verify: typeof verify;
        event: typeof event;
        checkoutCompleted: typeof checkoutCompleted;
        paymentIntentSucceeded: typeof paymentIntentSucceeded;
        webhook: typeof webhook;
    };
    export default stripe;
}
