export declare const FAULT_REPORT_FILE: string;
