// What each ProSonata resource is: primary key, fields in the order served, joins to other resources, filters,
// sortable fields, methods, rights, write defaults. From the docs' per-resource pages (docs/prosonata-api/*.md in
// profitlich-ch/prosonata-vscode-tools) unless marked [G]; `users` and `workingtimes` have no page there [G].

import type { ResourceName, Row, Usergroup } from './model.ts';

/** eq: equal value; text: case-insensitive substring [V measured for projecttimes.detail, G elsewhere];
 * date: optional `>`/`<` prefix for from/until, inclusive [V prefix, G inclusive]; user: an id or "myself" [V];
 * assigned: "myself" or an id among the project's assigned users [V meaning, G match]. */
export type FilterKind = 'eq' | 'text' | 'date' | 'user' | 'assigned';

export interface FilterSpec {
  /** The field compared (date2 filters `date`). */
  field: string;
  kind: FilterKind;
}

/** Fields copied from another resource's record, found by this record's `key` (applied in order, so a later
 * join may use a key an earlier one brought in). */
export interface JoinSpec {
  key: string;
  from: ResourceName;
  /** output field → field of the other record */
  fields: Record<string, string>;
  /** Value when the key is null or the record is gone (default null). */
  missing?: unknown;
}

export interface ResourceSpec {
  name: ResourceName;
  pk: string;
  /** GET /{resource} and /{resource}/{id}; POST; PUT; DELETE. */
  methods: { list: boolean; get: boolean; post: boolean; put: boolean; delete: boolean };
  /** Lowest group that may read it (app integrations may read everything). */
  minGroup: Usergroup;
  /** Groups up to `upTo` see only rows `own` accepts [V for projecttimes and projects]. */
  ownRows?: { upTo: Usergroup; own: (row: Row, userID: number) => boolean };
  /** Per-row visibility by group rank (crmevents.showToUsergroup). */
  visible?: (row: Row, rank: number) => boolean;
  /** Served fields in order, joined and derived ones included. */
  fields: string[];
  joins: JoinSpec[];
  filters: Record<string, FilterSpec>;
  sortable: string[];
  /** Only in single GETs, never in lists. */
  singleOnly: string[];
  /** Nested arrays (lists carry them only with the listNestedArrays switch). */
  nested: string[];
  /** Numeric-looking strings served as numbers (PHP JSON_NUMERIC_CHECK style), leading zeros kept as strings [I]. */
  numericCheck: string[];
  /** POST defaults; also the writable fields and their types (number → coerced to number). */
  defaults: Row;
  required: string[];
  /** Fields that must name an existing record on POST/PUT, else 409 [V for customerID]. */
  references: Record<string, ResourceName>;
}

const ALL = { list: true, get: true, post: true, put: true, delete: true };
const NO_DELETE = { list: true, get: true, post: true, put: true, delete: false };
const READ_ONLY = { list: true, get: true, post: false, put: false, delete: false };

function filters(spec: Record<string, FilterKind>): Record<string, FilterSpec> {
  const out: Record<string, FilterSpec> = {};
  for (const [name, kind] of Object.entries(spec)) out[name] = { field: name, kind };
  return out;
}

const PROJECT_JOIN: JoinSpec = { key: 'projectID', from: 'projects', fields: { projectNo: 'projectNo', projectName: 'projectName', customerID: 'customerID' } };
const CUSTOMER_NAME_JOIN: JoinSpec = { key: 'customerID', from: 'customers', fields: { customerName: 'customerName' } };

const addresses: ResourceSpec = {
  name: 'addresses',
  pk: 'addressID',
  methods: NO_DELETE,
  minGroup: 'Zeiterfasser 1',
  fields: [
    'addressID', 'customerID', 'customerName', 'companyStatus', 'name1', 'name2', 'name3', 'addressName', 'street', 'streetNo',
    'postalCode', 'city', 'country', 'companyEmail', 'companyTelephone', 'comments', 'addressTags', 'taxID', 'DUNS', 'GLN',
    'supplierNo', 'fibuAccountNo', 'customerPaymentTarget', 'invoiceEmail', 'noInvoiceEmail', 'mandateReference', 'mandateDate',
    'IBAN', 'BIC', 'bankName', 'accountOwner', 'invReverseCharge', 'invThirdCountry', 'invTextTemplate', 'addressCreatedByUserID',
    'addressEditedByUserID', 'addressActive', 'addressViaApi', 'contactsAssigned',
  ],
  joins: [{ key: 'customerID', from: 'customers', fields: { customerName: 'customerName', companyStatus: 'companyStatus', customerPaymentTarget: 'customerPaymentTarget' } }],
  filters: filters({
    customerID: 'eq', customerName: 'text', companyStatus: 'eq', name1: 'text', name2: 'text', name3: 'text', addressName: 'text',
    postalCode: 'text', city: 'text', country: 'text', comments: 'text', addressTags: 'text', taxID: 'text', fibuAccountNo: 'eq', addressActive: 'eq',
  }),
  sortable: ['addressID', 'customerID', 'name1', 'addressName', 'postalCode', 'city', 'country'],
  singleOnly: ['contactsAssigned'],
  nested: [],
  numericCheck: ['streetNo', 'postalCode'],
  defaults: {
    customerID: 0, name1: '', name2: '', name3: '', addressName: '', street: '', streetNo: '', postalCode: '', city: '', country: '',
    companyEmail: '', companyTelephone: '', comments: '', addressTags: '', taxID: '', DUNS: '', GLN: '', supplierNo: '', fibuAccountNo: 0,
    invoiceEmail: '', noInvoiceEmail: 0, mandateReference: '', mandateDate: null, IBAN: '', BIC: '', bankName: '', accountOwner: '',
    invReverseCharge: 0, invThirdCountry: 0, invTextTemplate: null, addressActive: 1,
  },
  required: ['customerID', 'city'],
  references: { customerID: 'customers' },
};

const contacts: ResourceSpec = {
  name: 'contacts',
  pk: 'contactID',
  methods: NO_DELETE,
  minGroup: 'Zeiterfasser 1',
  fields: [
    'contactID', 'title', 'firstName', 'lastName', 'customerID', 'customerName', 'addressID', 'name1', 'name2', 'street', 'streetNo',
    'postalCode', 'city', 'country', 'position', 'department', 'email', 'email2', 'telephone', 'fax', 'mobile', 'telephonePrivate',
    'mobilePrivate', 'streetPrivate', 'streetNoPrivate', 'postalCodePrivate', 'cityPrivate', 'countryPrivate', 'usePrivateForCSV',
    'messenger', 'socialMedia', 'website', 'comments', 'birthday',
    ...Array.from({ length: 10 }, (_, i) => `contactFilter${i + 1}`),
    'accountManagerUserID', 'createdByUserID', 'contactCreationDate', 'editedByUserID', 'active', 'isLocked', 'contactViaApi',
  ],
  joins: [
    CUSTOMER_NAME_JOIN,
    { key: 'addressID', from: 'addresses', fields: { name1: 'name1', name2: 'name2', street: 'street', streetNo: 'streetNo', postalCode: 'postalCode', city: 'city', country: 'country' } },
  ],
  filters: {
    ...filters({
      firstName: 'text', lastName: 'text', customerID: 'eq', customerName: 'text', addressID: 'eq', name1: 'text', name2: 'text', name3: 'text',
      addressName: 'text', postalCode: 'text', city: 'text', country: 'text', comments: 'text', active: 'eq',
    }),
    ...filters(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`contactFilter${i + 1}`, 'eq' as FilterKind]))),
  },
  sortable: ['contactID', 'customerID', 'addressID', 'firstName', 'lastName', 'birthday', 'postalCode', 'city', 'country', 'accountManagerUserID', 'active'],
  singleOnly: [],
  nested: [],
  numericCheck: ['streetNo', 'postalCode'],
  defaults: {
    title: '', firstName: '', lastName: '', customerID: 0, addressID: 0, position: '', department: '', email: '', email2: '', telephone: '',
    fax: '', mobile: '', telephonePrivate: '', mobilePrivate: '', streetPrivate: '', streetNoPrivate: '', postalCodePrivate: '',
    cityPrivate: '', countryPrivate: '', usePrivateForCSV: 0, messenger: '', socialMedia: '', website: '', comments: '', birthday: null,
    ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`contactFilter${i + 1}`, 0])),
    accountManagerUserID: null, active: 0,
  },
  required: ['title', 'lastName', 'customerID', 'addressID'],
  references: { customerID: 'customers', addressID: 'addresses' },
};

const customers: ResourceSpec = {
  name: 'customers',
  pk: 'customerID',
  methods: NO_DELETE,
  minGroup: 'Zeiterfasser 1',
  fields: [
    'customerID', 'customerName', 'companyCode', 'companyStatus', 'companyTags', 'comments', 'projectCounter', 'projectCounterYear',
    'invoiceCounter', 'invoiceCounterYear', 'hourlyRateDiscount', 'customerCostRate', 'customerPriceGroup', 'customerPaymentTarget',
    'customerCashDiscountRate', 'customerCashDiscountPaymentTarget', 'companyViaApi', 'addressesAssigned', 'contactsAssigned',
  ],
  joins: [],
  filters: filters({
    customerName: 'text', companyCode: 'text', companyStatus: 'eq', companyTags: 'text', comments: 'text', hourlyRateDiscount: 'eq',
    customerCostRate: 'eq', customerPriceGroup: 'eq', customerPaymentTarget: 'eq', customerCashDiscountRate: 'eq', customerCashDiscountPaymentTarget: 'eq',
  }),
  sortable: ['customerID', 'customerName', 'companyCode', 'companyStatus', 'hourlyRateDiscount', 'customerCostRate', 'customerPriceGroup', 'customerPaymentTarget', 'customerCashDiscountRate'],
  singleOnly: ['addressesAssigned', 'contactsAssigned'],
  nested: [],
  numericCheck: [],
  defaults: {
    customerName: '', companyCode: '', companyStatus: 0, companyTags: '', comments: '', hourlyRateDiscount: 0, customerCostRate: null,
    customerPriceGroup: null, customerPaymentTarget: null, customerCashDiscountRate: null, customerCashDiscountPaymentTarget: null,
  },
  required: ['customerName'],
  references: {},
};

const externalcosts: ResourceSpec = {
  name: 'externalcosts',
  pk: 'documentID',
  methods: NO_DELETE,
  minGroup: 'Zeiterfasser 1',
  fields: [
    'documentID', 'addressID', 'name1', 'type', 'projectID', 'projectNo', 'projectName', 'customerID', 'customerName', 'costName',
    'documentNo', 'documentDate', 'paymentTarget', 'paymentType', 'receiptDate', 'recurringDoc', 'createdByUserID', 'quantity',
    'unitPrice', 'unit', 'comments', 'netValue', 'grossValue', 'currency', 'tax', 'multipleTaxes', 'reverseCharge', 'multiplePositions',
    'cashDiscountRate', 'paymentDate', 'paidCashDiscount', 'additionalCharge', 'additionalCharge2', 'notInvoiceable', 'kskMember',
    'useForCalculation', 'serviceCategory', 'categoryName', 'fibuExpenseAccount', 'fibuInputTaxAccount', 'datevTaxKey',
    'approvedByUsers', 'datevExport', 'documentViaApi', 'additionalPositions',
  ],
  joins: [{ key: 'addressID', from: 'addresses', fields: { name1: 'name1' } }, PROJECT_JOIN, CUSTOMER_NAME_JOIN],
  filters: filters({
    addressID: 'eq', name1: 'text', type: 'eq', projectID: 'eq', projectNo: 'text', projectName: 'text', customerID: 'eq', customerName: 'text',
    costName: 'text', documentNo: 'text', documentDate: 'date', receiptDate: 'date', paymentType: 'eq', recurringDoc: 'eq', createdByUserID: 'eq',
    currency: 'eq', reverseCharge: 'eq', paymentDate: 'date', notInvoiceable: 'eq', kskMember: 'eq', useForCalculation: 'eq', serviceCategory: 'eq',
    datevExport: 'eq',
  }),
  sortable: ['documentID', 'projectID', 'addressID', 'documentNo', 'documentDate', 'receiptDate', 'grossValue'],
  singleOnly: [],
  nested: ['additionalPositions'],
  numericCheck: [],
  defaults: {
    addressID: 0, type: 1, projectID: 0, costName: '', documentNo: '', documentDate: null, paymentTarget: 0, paymentType: null, receiptDate: null,
    recurringDoc: 0, quantity: null, unitPrice: null, unit: '', comments: '', netValue: 0, grossValue: 0, currency: 0, tax: 0, multipleTaxes: 0,
    reverseCharge: 0, multiplePositions: 0, cashDiscountRate: 0, paymentDate: null, paidCashDiscount: 0, additionalCharge: 0, additionalCharge2: 0,
    notInvoiceable: 0, kskMember: 0, useForCalculation: 1, serviceCategory: null, categoryName: '', fibuExpenseAccount: '', fibuInputTaxAccount: '',
    datevTaxKey: null, approvedByUsers: '', datevExport: 0, additionalPositions: [],
  },
  required: ['projectID', 'addressID', 'netValue', 'grossValue', 'tax'],
  references: { projectID: 'projects', addressID: 'addresses' },
};

const projects: ResourceSpec = {
  name: 'projects',
  pk: 'projectID',
  methods: NO_DELETE,
  minGroup: 'Zeiterfasser 1',
  ownRows: { upTo: 'Zeiterfasser 1', own: (row, userID) => row.userResponsibleID === userID || ((row._users as number[] | undefined) ?? []).includes(userID) },
  fields: [
    'projectID', 'projectNo', 'projectName', 'customerID', 'customerName', 'contactID', 'firstName', 'lastName', 'projectDate',
    'projectDateEnd', 'recurringProject', 'createdByUserID', 'userResponsibleID', 'projectStatus', 'financeStatus', 'activeStatus',
    'projectInfo', 'projectQuickInfo', 'projectTags', 'projectLinks', 'timePlanned', 'timeNeeded', 'projectCostRate', 'internalDepartment',
    'projectGroupID', 'isProjectTemplate', 'usersAssigned',
  ],
  joins: [CUSTOMER_NAME_JOIN, { key: 'contactID', from: 'contacts', fields: { firstName: 'firstName', lastName: 'lastName' } }],
  filters: filters({
    projectNo: 'text', projectName: 'text', customerID: 'eq', customerName: 'text', contactID: 'eq', lastName: 'text', userID: 'assigned',
    projectStatus: 'eq', financeStatus: 'eq', activeStatus: 'eq', projectDate: 'date', projectDateEnd: 'date', projectQuickInfo: 'text',
    projectTags: 'text', internalDepartment: 'eq', recurringProject: 'eq', userResponsibleID: 'eq',
  }),
  sortable: ['projectID', 'projectName', 'customerID', 'customerName', 'contactID', 'lastName', 'projectDate', 'projectDateEnd', 'projectStatus', 'timeNeeded'],
  singleOnly: [],
  nested: ['projectLinks', 'usersAssigned'],
  numericCheck: [],
  defaults: {
    projectName: '', customerID: 0, contactID: 0, activeStatus: 1, projectDate: null, projectDateEnd: null, recurringProject: 0,
    userResponsibleID: null, projectInfo: '', projectQuickInfo: '', projectTags: '', projectLinks: [], timePlanned: 0, projectCostRate: null,
    internalDepartment: 0, projectGroupID: null, isProjectTemplate: 0, projectStatus: 0, financeStatus: 0,
  },
  required: ['projectName', 'customerID', 'contactID'],
  references: { customerID: 'customers', contactID: 'contacts' },
};

const projecttasks: ResourceSpec = {
  name: 'projecttasks',
  pk: 'taskID',
  methods: ALL,
  minGroup: 'Zeiterfasser 1',
  fields: [
    'taskID', 'taskName', 'taskInfo', 'projectID', 'projectNo', 'projectName', 'customerID', 'customerName', 'userID', 'username',
    'taskDateStart', 'taskTimeStart', 'taskDateEnd', 'taskTimeEnd', 'timePlanned', 'recurringTask', 'recurringTaskDateEnd', 'taskOrder',
    'taskTimeCategory', 'categoryName', 'taskPrio', 'type', 'read', 'donePercentage', 'done', 'doneMailToUserID', 'changedInfoToUser',
    'changedInfoToCreator', 'createdByUserID', 'taskCreationDate', 'editedByUserID', 'taskEditDate', 'linkedExtCostID', 'taskViaApi',
  ],
  joins: [
    PROJECT_JOIN,
    CUSTOMER_NAME_JOIN,
    { key: 'userID', from: 'users', fields: { username: 'username' } },
    { key: 'taskTimeCategory', from: 'projecttimecategories', fields: { categoryName: 'categoryName' } },
  ],
  filters: filters({
    projectID: 'eq', projectNo: 'text', projectName: 'text', customerID: 'eq', customerName: 'text', userID: 'user', username: 'text',
    taskName: 'text', taskDateStart: 'date', taskDateEnd: 'date', recurringTask: 'eq', taskTimeCategory: 'eq', taskPrio: 'eq', type: 'eq',
    read: 'eq', done: 'eq',
  }),
  sortable: ['taskID', 'projectID', 'customerID', 'userID', 'taskDateStart', 'taskDateEnd', 'taskOrder', 'taskPrio', 'type', 'read', 'done'],
  singleOnly: [],
  nested: [],
  numericCheck: [],
  defaults: {
    taskName: '', taskInfo: '', projectID: 0, userID: null, taskDateStart: null, taskTimeStart: null, taskDateEnd: null, taskTimeEnd: null,
    timePlanned: 0, recurringTask: 0, recurringTaskDateEnd: null, taskOrder: 0, taskTimeCategory: null, taskPrio: 0, type: 0, read: 0,
    donePercentage: 0, done: 0, doneMailToUserID: null, changedInfoToUser: 0, changedInfoToCreator: 0, linkedExtCostID: null,
  },
  required: ['taskName', 'projectID'],
  references: { projectID: 'projects' },
};

const projecttimecategories: ResourceSpec = {
  name: 'projecttimecategories',
  pk: 'category',
  methods: READ_ONLY,
  minGroup: 'Zeiterfasser 1',
  fields: ['category', 'categoryOrder', 'categoryName', 'active', 'categoryCostRate', 'group', 'groupName', 'linkedCustomerID', 'priceGroup'],
  joins: [],
  filters: filters({ category: 'eq', categoryName: 'text', active: 'eq', linkedCustomerID: 'eq', priceGroup: 'eq' }),
  sortable: ['category', 'categoryOrder', 'group', 'categoryName', 'active', 'priceGroup'],
  singleOnly: [],
  nested: [],
  numericCheck: [],
  defaults: { categoryOrder: 0, categoryName: '', active: 1, categoryCostRate: null, group: 0, groupName: '', linkedCustomerID: null, priceGroup: null },
  required: ['categoryName'],
  references: {},
};

const projecttimes: ResourceSpec = {
  name: 'projecttimes',
  pk: 'timeID',
  methods: ALL,
  minGroup: 'Zeiterfasser 1',
  ownRows: { upTo: 'Zeiterfasser 1', own: (row, userID) => row.userID === userID },
  fields: [
    'timeID', 'category', 'categoryName', 'date', 'detail', 'workingTime', 'projectID', 'projectNo', 'projectName', 'customerID',
    'customerName', 'userID', 'username', 'linkedTaskID', 'notInvoiceable', 'isInvoiced', 'creationDate', 'workingTimeStart',
    'workingTimeEnd', 'freeTimeInput', 'timeViaApi',
  ],
  joins: [
    { key: 'category', from: 'projecttimecategories', fields: { categoryName: 'categoryName' } },
    PROJECT_JOIN,
    CUSTOMER_NAME_JOIN,
    { key: 'userID', from: 'users', fields: { username: 'username' } },
  ],
  filters: {
    ...filters({
      category: 'eq', categoryName: 'text', date: 'date', detail: 'text', projectID: 'eq', projectNo: 'text', projectName: 'text', customerID: 'eq',
      userID: 'user', username: 'text', linkedTaskID: 'eq', notInvoiceable: 'eq', isInvoiced: 'eq',
    }),
    date2: { field: 'date', kind: 'date' },
  },
  sortable: ['timeID', 'category', 'date', 'projectID', 'customerID', 'userID', 'notInvoiceable', 'isInvoiced'],
  // Measured: list rows lack freeTimeInput (the docs' single-GET example has it).
  singleOnly: ['freeTimeInput'],
  nested: [],
  numericCheck: [],
  defaults: {
    category: 0, date: null, detail: '', workingTime: '0.00', projectID: 0, userID: null, linkedTaskID: null, notInvoiceable: 0, isInvoiced: 0,
    workingTimeStart: null, workingTimeEnd: null,
  },
  required: ['category', 'projectID'],
  references: { category: 'projecttimecategories', projectID: 'projects' },
};

const users: ResourceSpec = {
  name: 'users',
  pk: 'userID',
  methods: READ_ONLY,
  minGroup: 'Administrator',
  fields: ['userID', 'username', 'userFirstName', 'userLastName', 'email', 'userPhone', 'usergroupName', 'userActive'],
  joins: [],
  filters: filters({ username: 'eq', userFirstName: 'text', userLastName: 'text', email: 'text', userActive: 'eq' }),
  sortable: ['userID', 'username', 'userFirstName', 'userLastName'],
  singleOnly: [],
  nested: [],
  numericCheck: [],
  defaults: {},
  required: [],
  references: {},
};

/** [G] no docs page: fields modelled on projecttimes (decimal hours as strings). */
const workingtimes: ResourceSpec = {
  name: 'workingtimes',
  pk: 'workingTimeID',
  methods: READ_ONLY,
  minGroup: 'Zeiterfasser 1',
  ownRows: { upTo: 'Zeiterfasser 1', own: (row, userID) => row.userID === userID },
  fields: ['workingTimeID', 'userID', 'username', 'date', 'timeStart', 'timeEnd', 'breakTime', 'workingTime', 'comment'],
  joins: [{ key: 'userID', from: 'users', fields: { username: 'username' } }],
  filters: filters({ userID: 'user', date: 'date' }),
  sortable: ['workingTimeID', 'userID', 'date'],
  singleOnly: [],
  nested: [],
  numericCheck: [],
  defaults: {},
  required: [],
  references: {},
};

const SHOW_TO_RANK: Record<number, number> = { 1: 2, 2: 3, 3: 4 };

const crmevents: ResourceSpec = {
  name: 'crmevents',
  pk: 'eventID',
  methods: ALL,
  minGroup: 'Zeiterfasser 1',
  visible: (row, rank) => row.showToUsergroup === null || rank >= (SHOW_TO_RANK[row.showToUsergroup as number] ?? 0),
  fields: [
    'eventID', 'contactID', 'title', 'firstName', 'lastName', 'email', 'telephone', 'customerID', 'customerName', 'name1', 'name2', 'name3',
    'street', 'streetNo', 'postalCode', 'city', 'country', 'createdByUserID', 'username', 'showToUsergroup', 'eventDate', 'eventTime',
    'eventNote', 'media', 'projectID', 'projectNo', 'projectName', 'eventPrio', 'crmTags', 'followUpDate', 'followUpTime', 'followUpUser',
    'followUpUsername', 'followUpNote', 'followUpDone', 'eventViaApi',
  ],
  joins: [
    { key: 'contactID', from: 'contacts', fields: { title: 'title', firstName: 'firstName', lastName: 'lastName', email: 'email', telephone: 'telephone', customerID: 'customerID', _addressID: 'addressID' } },
    CUSTOMER_NAME_JOIN,
    { key: '_addressID', from: 'addresses', fields: { name1: 'name1', name2: 'name2', name3: 'name3', street: 'street', streetNo: 'streetNo', postalCode: 'postalCode', city: 'city', country: 'country' } },
    { key: 'createdByUserID', from: 'users', fields: { username: 'username' } },
    { key: 'projectID', from: 'projects', fields: { projectNo: 'projectNo', projectName: 'projectName' } },
    { key: 'followUpUser', from: 'users', fields: { followUpUsername: 'username' }, missing: '' },
  ],
  filters: filters({
    contactID: 'eq', firstName: 'text', lastName: 'text', customerID: 'eq', customerName: 'text', name1: 'text', name2: 'text', showToUsergroup: 'eq',
    eventDate: 'date', media: 'eq', projectID: 'eq', projectNo: 'text', projectName: 'text', eventPrio: 'eq', crmTags: 'text', followUpDate: 'date',
    followUpUser: 'user', followUpDone: 'eq',
  }),
  sortable: ['eventID', 'contactID', 'eventDate', 'createdByUserID', 'eventPrio', 'followUpDate', 'followUpUser', 'followUpDone'],
  singleOnly: [],
  nested: [],
  numericCheck: [],
  defaults: {
    contactID: 0, eventDate: null, eventTime: '09:00:00', showToUsergroup: null, media: 0, eventNote: '', projectID: null, eventPrio: 5, crmTags: '',
    followUpDate: null, followUpTime: null, followUpUser: null, followUpNote: '', followUpDone: 0,
  },
  required: ['contactID', 'eventDate'],
  references: { contactID: 'contacts' },
};

/** Invoices and quotations are documents: their address and project fields are stored as issued, not joined. */
const invoices: ResourceSpec = {
  name: 'invoices',
  pk: 'invoiceID',
  methods: { list: true, get: true, post: false, put: false, delete: false },
  minGroup: 'Zeiterfasser 1',
  fields: [
    'invoiceID', 'invoiceNo', 'invoiceNoAddition', 'invoiceName', 'invoiceHeadline', 'invoiceType', 'invoiceDate', 'dateStart', 'dateEnd',
    'freeServicePeriod', 'netValue', 'grossValue', 'currency', 'tax', 'multipleTaxes', 'invoiceDunningStatus', 'paymentTargetDate',
    'paymentDate', 'cashDiscountRate', 'paidCashDiscount', 'cancelInvoiceID', 'isSent', 'sepaExport', 'datevExport', 'invoiceComments',
    'projectID', 'projectNo', 'projectNoAddition', 'projectName', 'projectTags', 'projectGroupID', 'customerID', 'customerName',
    'addressID', 'name1', 'name2', 'name3', 'street', 'streetNo', 'postalCode', 'city', 'country', 'countryID', 'invoiceEmail',
    'standardSalutation', 'firstName', 'lastName', 'email', 'username', 'positions',
  ],
  joins: [],
  // [G] the list form is undocumented; these filters mirror quotations.
  filters: filters({ projectID: 'eq', customerID: 'eq', addressID: 'eq', invoiceDate: 'date', isSent: 'eq' }),
  sortable: ['invoiceID', 'projectID', 'addressID', 'invoiceDate', 'grossValue'],
  singleOnly: [],
  nested: ['positions'],
  numericCheck: [],
  defaults: {},
  required: [],
  references: {},
};

const quotations: ResourceSpec = {
  name: 'quotations',
  pk: 'quotationID',
  methods: READ_ONLY,
  minGroup: 'Teamleiter',
  fields: [
    'quotationID', 'quotationName', 'quotationHeadline', 'quotationDate', 'netValue', 'grossValue', 'currency', 'tax', 'multipleTaxes',
    'isSent', 'sentDate', 'ocSentDate', 'quotationComments', 'projectID', 'projectNo', 'projectNoAddition', 'projectName', 'projectTags',
    'customerID', 'customerName', 'addressID', 'name1', 'name2', 'name3', 'street', 'streetNo', 'postalCode', 'city', 'country', 'countryID',
    'standardSalutation', 'firstName', 'lastName', 'email', 'username', 'approved', 'positions',
  ],
  joins: [],
  filters: filters({
    addressID: 'eq', name1: 'text', projectID: 'eq', projectNo: 'text', projectName: 'text', projectTags: 'text', customerID: 'eq', customerName: 'text',
    quotationDate: 'date', createdByUserID: 'eq', currency: 'eq', approved: 'eq',
  }),
  sortable: ['quotationID', 'projectID', 'addressID', 'quotationDate', 'grossValue'],
  singleOnly: [],
  nested: ['positions'],
  numericCheck: [],
  defaults: {},
  required: [],
  references: {},
};

const servicetemplates: ResourceSpec = {
  name: 'servicetemplates',
  pk: 'templateID',
  methods: ALL,
  minGroup: 'Zeiterfasser 1',
  fields: [
    'templateID', 'category', 'templateName', 'detail', 'detail_lang1', 'quantity', 'unit', 'unit_lang1', 'netValue', 'additionalCharge1',
    'additionalCharge2', 'advancePaymentTemplate', 'noCustomerDiscount', 'hourlyRateService', 'serviceTemplateViaApi',
  ],
  joins: [],
  filters: filters({ templateName: 'text', detail: 'text', detail_lang1: 'text', category: 'eq', unit: 'text', noCustomerDiscount: 'eq', hourlyRateService: 'eq' }),
  sortable: ['templateID', 'category', 'netValue'],
  singleOnly: [],
  nested: [],
  numericCheck: [],
  defaults: {
    category: 0, templateName: '', detail: '', detail_lang1: '', quantity: '0.00', unit: '', unit_lang1: '', netValue: '0.00', additionalCharge1: '0.00',
    additionalCharge2: '0.00', advancePaymentTemplate: 0, noCustomerDiscount: 0, hourlyRateService: 0,
  },
  required: ['category', 'templateName'],
  references: {},
};

export const SPECS: Readonly<Record<ResourceName, ResourceSpec>> = {
  addresses,
  contacts,
  customers,
  externalcosts,
  projects,
  projecttasks,
  projecttimecategories,
  projecttimes,
  users,
  workingtimes,
  crmevents,
  invoices,
  quotations,
  servicetemplates,
};
