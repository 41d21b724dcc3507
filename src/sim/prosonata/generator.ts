// Seeded generator of a ProSonata account: every resource's records, in the types the API serves on GET, with the
// awkward content real accounts have (umlauts, HTML, line breaks, brackets, leading-zero postal codes, id 0 "Intern").

import { intBetween, mulberry32, pick, type Rng } from '../projectplace/prng.ts';
import { RESOURCES, type GeneratorOptions, type ResourceName, type Row, type Table, type Usergroup } from './model.ts';

export const defaultCounts: Readonly<Record<ResourceName, number>> = Object.freeze({
  users: 6,
  customers: 12,
  addresses: 16,
  contacts: 30,
  projecttimecategories: 12,
  projects: 30,
  projecttasks: 80,
  projecttimes: 400,
  externalcosts: 25,
  workingtimes: 80,
  crmevents: 30,
  invoices: 12,
  quotations: 10,
  servicetemplates: 8,
});

/** The users behind the default personal keys: an Administrator, a Teamleiter and a Zeiterfasser 1. */
export const KEY_USERS: readonly { userID: number; username: string; usergroup: Usergroup }[] = [
  { userID: 1, username: 'Admin1', usergroup: 'Administrator' },
  { userID: 2, username: 'Teamlead2', usergroup: 'Teamleiter' },
  { userID: 3, username: 'Zeit3', usergroup: 'Zeiterfasser 1' },
];

const FIRST = ['Karl', 'Christiane', 'Hans', 'Jürgen', 'Özlem', 'Søren', 'Anna-Lena', 'Max', 'Zoë', 'François', 'Björn', 'Ines'];
const LAST = ['Schmidt', 'Maier', 'Back', 'Müller', 'Groß', "O'Neill", 'Weiß', 'Mustermann', 'Bäcker', 'Nguyễn', 'Krüger', 'Straße'];
const COMPANIES = [
  'Bäckerei Back', 'ABC Versicherung', 'Käserei Gouda', 'Versandmode Becker', 'Maler Maier', 'Auto Müller', 'Architekturbüro XY',
  'Druckerei Schnell', 'Repro Schmidt', 'Grün & Partner', 'Müller "Die Zweite"', 'ZX Testfirma', 'Café Ünal', 'Über<Script> AG',
];
const CITIES: readonly [string, string][] = [
  ['Frankfurt', '60123'], ['Hamburg', '20095'], ['Dresden', '01067'], ['Wiesbaden', '65183'], ['Leipzig', '04109'], ['München', '80331'],
  ['Köln', '50667'], ['Görlitz', '02826'], ['Zürich', '8001'], ['Wien', '1010'],
];
const STREETS = ['Teststraße', 'Unfallstraße', 'Bahnhofstraße', 'Fabrikstraße', 'Musterweg', 'Am Römerberg', 'Königsallee'];
const STREET_NOS = ['12', '23', '7', '65', '12a', '3-5', '1', '101'];
const CATEGORIES: readonly [string, string][] = [
  ['Konzeption', 'Projekt Vorbereitung'], ['Gestaltung', 'Layout'], ['Workshop', 'Beratung'], ['Programmierung', 'Umsetzung'],
  ['Content', 'Umsetzung'], ['Daten Dearchivierung', 'Projekt Vorbereitung'], ['Besprechung', 'Beratung'], ['Reinzeichnung', 'Layout'],
  ['Projektleitung', 'Management'], ['Reise', 'Sonstiges'], ['Hosting', 'Betrieb'], ['Korrektur', 'Layout'],
];
const PROJECT_NAMES = [
  'Kundenmailing', 'Frühstücks-Flyer', 'ZX Produktbroschüre', 'Gestaltung der Webseite', 'Microsite Unfallversicherung', 'Käsebroschüre',
  'Produktportfolio', 'Messestand 2024', 'Relaunch "Intranet"', 'Jahresbericht', 'Social-Media-Kampagne', 'Logo & CI',
];
const DETAILS = [
  'Besprechung Job', 'Meeting beim Kunden', 'Layout der Broschüre angefangen', 'Korrekturen eingepflegt', 'Abstimmung per Telefon',
  'Reinzeichnung [LAUFEND:a1b2c3]', 'Bilder freigestellt 🖼️', 'Text "final" übernommen', 'Pfad C:\\Daten\\Kunde geprüft',
  'Zeile 1\r\nZeile 2', 'Tabelle\tmit Tab', '<b>fett</b> & <i>kursiv</i>', '',
];
const TASKS = ['Layout erstellen', 'erstes Layout vorbereiten', 'Texte einholen', 'Druckdaten prüfen', 'Kickoff', 'Freigabe einholen', 'Go-live'];

const DAY_MS = 86_400_000;
const DAY0 = Date.UTC(2019, 0, 1);
const DAYS = Math.floor((Date.UTC(2025, 11, 31) - DAY0) / DAY_MS);

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function isoDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function day(rng: Rng): string {
  return isoDay(DAY0 + intBetween(rng, 0, DAYS) * DAY_MS);
}

function dayAfter(rng: Rng, from: string, maxDays: number): string {
  return isoDay(Date.parse(from + 'T00:00:00Z') + intBetween(rng, 0, maxDays) * DAY_MS);
}

function clock(rng: Rng, fromHour = 7, toHour = 18): string {
  return `${pad(intBetween(rng, fromHour, toHour))}:${pad(intBetween(rng, 0, 3) * 15)}:00`;
}

function stamp(rng: Rng, date: string): string {
  return `${date} ${pad(intBetween(rng, 7, 19))}:${pad(intBetween(rng, 0, 59))}:${pad(intBetween(rng, 0, 59))}`;
}

function money(n: number): string {
  return n.toFixed(2);
}

function maybe<T>(rng: Rng, p: number, value: () => T): T | null {
  return rng() < p ? value() : null;
}

/** Ids start at `first` and grow by 1–3, so there are gaps as in a real account with deletions. */
function idSequence(rng: Rng, first: number, n: number): number[] {
  const out: number[] = [];
  let id = first;
  for (let i = 0; i < n; i++) {
    out.push(id);
    id += rng() < 0.8 ? 1 : intBetween(rng, 2, 3);
  }
  return out;
}

function table(name: ResourceName, rows: Row[], pk: string): Table {
  const map = new Map<number, Row>();
  let max = 0;
  for (const r of rows) {
    const id = r[pk] as number;
    map.set(id, r);
    if (id > max) max = id;
  }
  return { name, rows: map, nextId: max + 1 };
}

interface Ctx {
  seed: number;
  counts: Record<ResourceName, number>;
  tables: Partial<Record<ResourceName, Table>>;
  /** First address of each customer, built on first use (invoices and quotations copy it). */
  addressByCustomer?: Map<number, Row>;
}

function rngFor(ctx: Ctx, resource: ResourceName): Rng {
  return mulberry32((ctx.seed * 0x9e3779b1 + (RESOURCES.indexOf(resource) + 1) * 0x85ebca6b) >>> 0);
}

function ids(ctx: Ctx, resource: ResourceName): number[] {
  return [...(ctx.tables[resource] as Table).rows.keys()];
}

function row(ctx: Ctx, resource: ResourceName, id: number): Row {
  return (ctx.tables[resource] as Table).rows.get(id) as Row;
}

function genUsers(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'users');
  const n = Math.max(KEY_USERS.length, ctx.counts.users);
  const out: Row[] = [];
  for (let i = 0; i < n; i++) {
    const key = KEY_USERS[i];
    const first = pick(rng, FIRST);
    const last = pick(rng, LAST);
    const groups: Usergroup[] = ['Zeiterfasser 2', 'Teamleiter', 'Verwaltung', 'Zeiterfasser 1'];
    out.push({
      userID: i + 1,
      username: key?.username ?? `${pick(rng, ['Designer', 'Texter', 'Praktikant', 'Entwickler'])}${i + 1}`,
      userFirstName: rng() < 0.15 ? '' : first,
      userLastName: rng() < 0.15 ? '' : last,
      email: `${first.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase()}.${i + 1}@agentur.example`,
      userPhone: rng() < 0.5 ? `069 ${intBetween(rng, 1000000, 9999999)}` : '',
      usergroupName: key?.usergroup ?? pick(rng, groups),
      userActive: i > 0 && rng() < 0.1 ? 0 : 1,
    });
  }
  return out;
}

function genCustomers(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'customers');
  const n = ctx.counts.customers;
  const out: Row[] = [];
  // ID 0 is the agency itself ("Intern"), as in the docs' address example.
  const idList = n > 0 ? [0, ...idSequence(rng, 10, n - 1)] : [];
  for (const [i, id] of idList.entries()) {
    const name = id === 0 ? 'Intern' : `${COMPANIES[(i - 1) % COMPANIES.length]}${i > COMPANIES.length ? ` ${Math.ceil(i / COMPANIES.length)}` : ''}`;
    out.push({
      customerID: id,
      customerName: name,
      companyCode: name.replace(/[^A-Z]/g, '').slice(0, 4),
      companyStatus: id === 0 ? 6 : pick(rng, [0, 0, 0, 1, 2, 3, 5]),
      companyTags: rng() < 0.3 ? 'print,web' : '',
      comments: rng() < 0.2 ? 'Ansprechpartner wechselt häufig.\nBitte "immer" CC an Zentrale.' : '',
      projectCounter: intBetween(rng, 0, 40),
      projectCounterYear: intBetween(rng, 2019, 2025),
      invoiceCounter: intBetween(rng, 0, 20),
      invoiceCounterYear: intBetween(rng, 2015, 2025),
      hourlyRateDiscount: pick(rng, [0, 0, 5, 10]),
      customerCostRate: maybe(rng, 0.4, () => pick(rng, [80, 95, 110.5])),
      customerPriceGroup: maybe(rng, 0.2, () => pick(rng, ['A', 'B'])),
      customerPaymentTarget: maybe(rng, 0.6, () => pick(rng, [7, 14, 30])),
      customerCashDiscountRate: maybe(rng, 0.2, () => 2),
      customerCashDiscountPaymentTarget: maybe(rng, 0.2, () => 10),
      companyViaApi: 0,
    });
  }
  return out;
}

function genAddresses(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'addresses');
  const customers = ids(ctx, 'customers');
  const out: Row[] = [];
  for (const [i, id] of idSequence(rng, 30, ctx.counts.addresses).entries()) {
    // Every customer gets an address first, then random ones.
    const customerID = i < customers.length ? (customers[i] as number) : pick(rng, customers);
    const customerName = customers.length ? (row(ctx, 'customers', customerID).customerName as string) : '';
    const [city, postalCode] = pick(rng, CITIES);
    out.push({
      addressID: id,
      customerID,
      name1: `${customerName}${pick(rng, [' GmbH', ' AG', ' KG', ' GbR', ''])}`,
      name2: rng() < 0.2 ? 'Your Fashion Today' : '',
      name3: '',
      addressName: rng() < 0.2 ? 'Lager' : '',
      street: pick(rng, STREETS),
      streetNo: pick(rng, STREET_NOS),
      postalCode,
      city,
      country: city === 'Zürich' ? 'Schweiz' : city === 'Wien' ? 'Österreich' : '',
      companyEmail: rng() < 0.5 ? `info@firma${id}.example` : '',
      companyTelephone: rng() < 0.5 ? `0${intBetween(rng, 30, 999)} ${intBetween(rng, 100000, 999999)}` : '',
      comments: '',
      addressTags: '',
      taxID: rng() < 0.5 ? `DE${intBetween(rng, 100000000, 999999999)}` : '',
      DUNS: '',
      GLN: '',
      supplierNo: '',
      fibuAccountNo: 10000 + i,
      invoiceEmail: rng() < 0.3 ? `buchhaltung@firma${id}.example` : '',
      noInvoiceEmail: 0,
      mandateReference: rng() < 0.2 ? `MR${pad(intBetween(rng, 0, 9999999), 7)}` : '',
      mandateDate: maybe(rng, 0.2, () => day(rng)),
      IBAN: rng() < 0.3 ? `DE${intBetween(rng, 10, 99)}${intBetween(rng, 100000000, 999999999)}${intBetween(rng, 100000000, 999999999)}` : '',
      BIC: '',
      bankName: '',
      accountOwner: '',
      invReverseCharge: 0,
      invThirdCountry: city === 'Zürich' ? 1 : 0,
      invTextTemplate: null,
      addressCreatedByUserID: 1,
      addressEditedByUserID: pick(rng, [1, 2]),
      addressActive: rng() < 0.9 ? 1 : 0,
      addressViaApi: 0,
    });
  }
  return out;
}

function genContacts(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'contacts');
  const addresses = ids(ctx, 'addresses');
  const out: Row[] = [];
  for (const id of idSequence(rng, 40, ctx.counts.contacts)) {
    const addressID = addresses.length ? pick(rng, addresses) : 0;
    const customerID = addresses.length ? (row(ctx, 'addresses', addressID).customerID as number) : 0;
    const first = pick(rng, FIRST);
    const last = pick(rng, LAST);
    const r: Row = {
      contactID: id,
      title: pick(rng, ['Herr', 'Frau', 'Herr Dr.', 'Frau Dr.', '']),
      firstName: first,
      lastName: last,
      customerID,
      addressID,
      position: rng() < 0.3 ? 'Marketingleitung' : '',
      department: rng() < 0.3 ? 'Einkauf' : '',
      email: `${first.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase()}.${id}@kunde.example`,
      email2: '',
      telephone: rng() < 0.7 ? `0${intBetween(rng, 30, 999)} ${intBetween(rng, 1000000, 9999999)}` : '',
      fax: '',
      mobile: rng() < 0.3 ? `0171 ${intBetween(rng, 1000000, 9999999)}` : '',
      telephonePrivate: '',
      mobilePrivate: '',
      streetPrivate: '',
      streetNoPrivate: '',
      postalCodePrivate: '',
      cityPrivate: '',
      countryPrivate: '',
      usePrivateForCSV: 0,
      messenger: '',
      socialMedia: '',
      website: '',
      comments: rng() < 0.1 ? 'Mag keine Anrufe vor 10 Uhr.' : '',
      birthday: maybe(rng, 0.3, () => isoDay(Date.UTC(1950, 0, 1) + intBetween(rng, 0, 18000) * DAY_MS)),
    };
    for (let f = 1; f <= 10; f++) r[`contactFilter${f}`] = rng() < 0.3 ? 1 : 0;
    Object.assign(r, {
      accountManagerUserID: maybe(rng, 0.3, () => pick(rng, [1, 2])),
      createdByUserID: 1,
      contactCreationDate: maybe(rng, 0.7, () => stamp(rng, day(rng))),
      editedByUserID: pick(rng, [1, 2]),
      active: rng() < 0.9 ? 1 : 0,
      isLocked: 0,
      contactViaApi: 0,
    });
    out.push(r);
  }
  return out;
}

function genCategories(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'projecttimecategories');
  const customers = ids(ctx, 'customers');
  const out: Row[] = [];
  for (const [i, id] of idSequence(rng, 5, ctx.counts.projecttimecategories).entries()) {
    const [name, group] = CATEGORIES[i % CATEGORIES.length] as [string, string];
    out.push({
      category: id,
      categoryOrder: (i % 9) + 1,
      categoryName: i < CATEGORIES.length ? name : `${name} ${Math.floor(i / CATEGORIES.length) + 1}`,
      active: rng() < 0.9 ? 1 : 0,
      categoryCostRate: maybe(rng, 0.3, () => pick(rng, [85, 95, 120])),
      group: (CATEGORIES.findIndex((c) => c[1] === group) + 1) * 10,
      groupName: group,
      linkedCustomerID: customers.length > 1 && rng() < 0.1 ? pick(rng, customers.slice(1)) : null,
      priceGroup: null,
    });
  }
  return out;
}

function genProjects(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'projects');
  const customers = ids(ctx, 'customers').filter((c) => c !== 0);
  const contactsByCustomer = new Map<number, number[]>();
  for (const c of (ctx.tables.contacts as Table).rows.values()) {
    const list = contactsByCustomer.get(c.customerID as number) ?? [];
    list.push(c.contactID as number);
    contactsByCustomer.set(c.customerID as number, list);
  }
  const users = ids(ctx, 'users');
  const out: Row[] = [];
  const perCustomerYear = new Map<string, number>();
  for (const [i, id] of idSequence(rng, 1, ctx.counts.projects).entries()) {
    const customerID = customers.length ? pick(rng, customers) : 0;
    const date = day(rng);
    const yy = date.slice(2, 4);
    const seqKey = `${yy}-${customerID}`;
    const seq = (perCustomerYear.get(seqKey) ?? 0) + 1;
    perCustomerYear.set(seqKey, seq);
    const assigned = users.filter(() => rng() < 0.4);
    // The Zeiterfasser 1 key user (3) works on every third project, so "my projects" is never empty.
    if (i % 3 === 0 && !assigned.includes(3) && users.includes(3)) assigned.push(3);
    const contacts = contactsByCustomer.get(customerID) ?? [];
    out.push({
      projectID: id,
      projectNo: `${yy}-${pad(customerID % 100)}-${pad(seq, 3)}`,
      projectName: `${PROJECT_NAMES[i % PROJECT_NAMES.length]}${i >= PROJECT_NAMES.length ? ` ${Math.floor(i / PROJECT_NAMES.length) + 1}` : ''}`,
      customerID,
      contactID: contacts.length ? pick(rng, contacts) : null,
      projectDate: date,
      projectDateEnd: maybe(rng, 0.4, () => dayAfter(rng, date, 200)),
      recurringProject: rng() < 0.1 ? pick(rng, [1, 3, 5]) : 0,
      createdByUserID: pick(rng, [1, 2]),
      userResponsibleID: maybe(rng, 0.6, () => pick(rng, users)),
      projectStatus: pick(rng, [0, 0, 0, 1, 2, 2, 3, 4]),
      financeStatus: pick(rng, [0, 1, 2, 3]),
      activeStatus: rng() < 0.85 ? 1 : 0,
      projectInfo: rng() < 0.3 ? '<p>Briefing liegt im Ordner.</p>\r\n<p>Deadline beachten!</p>' : '',
      projectQuickInfo: rng() < 0.2 ? 'Eilig' : '',
      projectTags: rng() < 0.3 ? 'print' : '',
      projectLinks: rng() < 0.3 ? [{ name: 'Website', url: `https://kunde${customerID}.example/` }] : [],
      timePlanned: pick(rng, [0, 8, 20, 40, 12.5]),
      projectCostRate: maybe(rng, 0.2, () => 95),
      internalDepartment: intBetween(rng, 0, 2),
      projectGroupID: null,
      isProjectTemplate: rng() < 0.05 ? 1 : 0,
      _users: assigned,
    });
  }
  return out;
}

function genTasks(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'projecttasks');
  const projects = ids(ctx, 'projects');
  const users = ids(ctx, 'users');
  const categories = ids(ctx, 'projecttimecategories');
  const out: Row[] = [];
  for (const [i, id] of idSequence(rng, 10, ctx.counts.projecttasks).entries()) {
    const start = maybe(rng, 0.6, () => day(rng));
    const created = day(rng);
    const done = rng() < 0.4 ? 1 : 0;
    out.push({
      taskID: id,
      taskName: pick(rng, TASKS),
      taskInfo: rng() < 0.4 ? '<p>weitere Infos zur Aufgabe</p>' : '',
      projectID: projects.length ? pick(rng, projects) : 0,
      userID: users.length ? pick(rng, users) : null,
      taskDateStart: start,
      taskTimeStart: start && rng() < 0.5 ? clock(rng) : null,
      taskDateEnd: start ? dayAfter(rng, start, 30) : null,
      taskTimeEnd: null,
      timePlanned: pick(rng, [0, 1, 2, 3, 4.5, 8]),
      recurringTask: rng() < 0.05 ? 1 : 0,
      recurringTaskDateEnd: null,
      taskOrder: (i % 12) + 1,
      taskTimeCategory: categories.length && rng() < 0.5 ? pick(rng, categories) : null,
      taskPrio: pick(rng, [0, 1, 5, 9]),
      type: rng() < 0.1 ? 1 : 0,
      read: rng() < 0.7 ? 1 : 0,
      donePercentage: done ? 100 : pick(rng, [0, 0, 25, 50]),
      done,
      doneMailToUserID: null,
      changedInfoToUser: 0,
      changedInfoToCreator: 0,
      createdByUserID: pick(rng, [1, 2]),
      taskCreationDate: stamp(rng, created),
      editedByUserID: pick(rng, [1, 2]),
      taskEditDate: stamp(rng, dayAfter(rng, created, 10)),
      linkedExtCostID: null,
      taskViaApi: rng() < 0.05 ? 1 : 0,
    });
  }
  return out;
}

function genTimes(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'projecttimes');
  const projects = ids(ctx, 'projects');
  const users = ids(ctx, 'users');
  const categories = ids(ctx, 'projecttimecategories');
  const out: Row[] = new Array(ctx.counts.projecttimes);
  let id = 1;
  for (let i = 0; i < ctx.counts.projecttimes; i++) {
    const date = day(rng);
    const long = rng() < 0.01;
    const withClock = rng() < 0.2;
    const start = withClock ? clock(rng, 7, 15) : null;
    out[i] = {
      timeID: id,
      category: categories.length ? pick(rng, categories) : 0,
      date,
      detail: long ? `${pick(rng, DETAILS)} ${'Lorem ipsum dolor sit amet. '.repeat(28)}`.slice(0, 800) : pick(rng, DETAILS),
      workingTime: (intBetween(rng, 1, 32) * 0.25).toFixed(2),
      projectID: projects.length ? pick(rng, projects) : 0,
      userID: users.length ? pick(rng, users) : 1,
      linkedTaskID: null,
      notInvoiceable: rng() < 0.1 ? 1 : 0,
      isInvoiced: rng() < 0.5 ? 1 : 0,
      creationDate: stamp(rng, date),
      workingTimeStart: start,
      workingTimeEnd: start ? clock(rng, 16, 19) : null,
      freeTimeInput: withClock ? 0 : 1,
      timeViaApi: rng() < 0.05 ? 1 : 0,
    };
    id += rng() < 0.9 ? 1 : intBetween(rng, 2, 4);
  }
  return out;
}

function genExternalCosts(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'externalcosts');
  const projects = ids(ctx, 'projects');
  const addresses = ids(ctx, 'addresses');
  const out: Row[] = [];
  for (const id of idSequence(rng, 80, ctx.counts.externalcosts)) {
    const date = day(rng);
    const net = intBetween(rng, 50, 5000);
    const positions = rng() < 0.3 ? intBetween(rng, 1, 3) : 0;
    const additionalPositions = Array.from({ length: positions }, (_, p) => ({
      detailID: id * 10 + p,
      position: String(p + 2),
      detail: `${p + 2}. Position des Dokuments`,
      quantity: intBetween(rng, 1, 5),
      unit: pick(rng, ['Stck.', 'Std.', '']),
      netValue: intBetween(rng, 10, 500),
      taxSwitch: 0,
      tax: 0,
      fibuInputTaxAccount: '',
      datevTaxKey: null,
    }));
    out.push({
      documentID: id,
      addressID: addresses.length ? pick(rng, addresses) : 0,
      type: rng() < 0.8 ? 1 : 0,
      projectID: projects.length ? pick(rng, projects) : 0,
      costName: pick(rng, ['Druck Broschüre', 'Broschüre Proofs', 'Bildrechte', 'Kurier', 'Hosting 12 Monate']),
      documentNo: `R${intBetween(rng, 10000, 999999)}`,
      documentDate: date,
      paymentTarget: pick(rng, [0, 14, 30]),
      paymentType: maybe(rng, 0.5, () => intBetween(rng, 1, 11)),
      receiptDate: dayAfter(rng, date, 5),
      recurringDoc: 0,
      createdByUserID: pick(rng, [1, 2]),
      quantity: positions ? 1 : null,
      unitPrice: positions ? net : null,
      unit: '',
      comments: positions ? 'erste Position des Dokuments' : '',
      netValue: net,
      grossValue: Math.round(net * 119) / 100,
      currency: rng() < 0.9 ? 0 : 1,
      tax: 19,
      multipleTaxes: 0,
      reverseCharge: 0,
      multiplePositions: positions ? 1 : 0,
      cashDiscountRate: 0,
      paymentDate: maybe(rng, 0.6, () => dayAfter(rng, date, 40)),
      paidCashDiscount: 0,
      additionalCharge: 0,
      additionalCharge2: 0,
      notInvoiceable: rng() < 0.1 ? 1 : 0,
      kskMember: rng() < 0.1 ? 1 : 0,
      useForCalculation: 0,
      serviceCategory: pick(rng, [1, 2, 4]),
      categoryName: pick(rng, ['Produktion', 'Lizenzen', 'Sonstiges']),
      fibuExpenseAccount: '',
      fibuInputTaxAccount: '',
      datevTaxKey: maybe(rng, 0.5, () => 9),
      approvedByUsers: '',
      datevExport: rng() < 0.5 ? 1 : 0,
      documentViaApi: 0,
      additionalPositions,
    });
  }
  return out;
}

function genWorkingTimes(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'workingtimes');
  const users = ids(ctx, 'users');
  const out: Row[] = [];
  for (const id of idSequence(rng, 1, ctx.counts.workingtimes)) {
    const startH = intBetween(rng, 7, 10);
    const hours = intBetween(rng, 12, 40) * 0.25;
    const brk = pick(rng, [0, 0.5, 0.75, 1]);
    const endMin = Math.round((startH + hours + brk) * 60);
    out.push({
      workingTimeID: id,
      userID: users.length ? pick(rng, users) : 1,
      date: day(rng),
      timeStart: `${pad(startH)}:00:00`,
      timeEnd: `${pad(Math.floor(endMin / 60) % 24)}:${pad(endMin % 60)}:00`,
      breakTime: brk.toFixed(2),
      workingTime: hours.toFixed(2),
      comment: rng() < 0.1 ? 'Homeoffice' : '',
    });
  }
  return out;
}

function genCrmEvents(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'crmevents');
  const contacts = ids(ctx, 'contacts');
  const projects = ids(ctx, 'projects');
  const users = ids(ctx, 'users');
  const out: Row[] = [];
  for (const id of idSequence(rng, 4, ctx.counts.crmevents)) {
    const date = day(rng);
    const followUp = rng() < 0.3;
    out.push({
      eventID: id,
      contactID: contacts.length ? pick(rng, contacts) : 0,
      createdByUserID: pick(rng, [1, 2]),
      showToUsergroup: rng() < 0.75 ? null : pick(rng, [1, 2, 3]),
      eventDate: date,
      eventTime: `${clock(rng).slice(0, 6)}${pad(intBetween(rng, 0, 59))}`,
      eventNote: '<p>Hier stehen ausführliche Infos zum Ereignis</p>\r\n<p>Rückruf "dringend"</p>',
      media: pick(rng, [0, 1, 2, 3, 10, 11, 15, 20]),
      projectID: projects.length && rng() < 0.4 ? pick(rng, projects) : null,
      eventPrio: pick(rng, [1, 5, 5, 9]),
      crmTags: rng() < 0.2 ? 'Messe' : '',
      followUpDate: followUp ? dayAfter(rng, date, 30) : null,
      followUpTime: followUp ? clock(rng) : null,
      followUpUser: followUp && users.length ? pick(rng, users) : null,
      followUpNote: followUp ? 'Nachfassen' : '',
      followUpDone: followUp && rng() < 0.5 ? 1 : 0,
      eventViaApi: 0,
    });
  }
  return out;
}

function documentPositions(rng: Rng, firstDetail: number, withIsActive: boolean): Row[] {
  const n = intBetween(rng, 1, 4);
  return Array.from({ length: n }, (_, p) => {
    const qty = intBetween(rng, 1, 12);
    const price = pick(rng, [90, 95, 104.5, 115]);
    return {
      detailID: firstDetail + p,
      ...(withIsActive && { isActive: 1 }),
      // The docs show position as a number in invoices and as a string in quotations.
      position: withIsActive ? String(p + 1) : p + 1,
      categoryName: pick(rng, ['Gestaltung', 'Programmierung', 'Content', 'Hosting']),
      detail: '<p>Gestaltung der Website.</p>\r\n<p>Zeitbedarf: ca. 1,5 Personentage</p>',
      quantity: money(qty),
      unit: '',
      netValue: money(price),
      taxSwitch: 0,
      tax: '0.0',
      additionalChargeSwitch: rng() < 0.3 ? 1 : 0,
      initialNetValue: money(price),
      additionalCharge1: '0.00',
      additionalCharge2: '0.00',
      discountPosition: 0,
      discountSource: null,
      discountPercent: '0.00',
      detailComments: rng() < 0.2 ? 'eine Info zur Position!' : '',
    };
  });
}

/** Invoice and quotation documents copy their project, customer and address fields as issued. */
function documentParty(ctx: Ctx, rng: Rng): Row {
  const projects = ids(ctx, 'projects');
  const p = projects.length ? row(ctx, 'projects', pick(rng, projects)) : undefined;
  const customerID = (p?.customerID as number | undefined) ?? 0;
  const customer = (ctx.tables.customers as Table).rows.get(customerID);
  if (!ctx.addressByCustomer) {
    ctx.addressByCustomer = new Map();
    for (const a of (ctx.tables.addresses as Table).rows.values()) if (!ctx.addressByCustomer.has(a.customerID as number)) ctx.addressByCustomer.set(a.customerID as number, a);
  }
  const address = ctx.addressByCustomer.get(customerID);
  return {
    projectID: p?.projectID ?? null,
    projectNo: p?.projectNo ?? '',
    projectNoAddition: '',
    projectName: p?.projectName ?? '',
    projectTags: p?.projectTags ?? '',
    customerID,
    customerName: customer?.customerName ?? '',
    addressID: address?.addressID ?? null,
    name1: address?.name1 ?? '',
    name2: address?.name2 ?? '',
    name3: '',
    street: address?.street ?? '',
    streetNo: address?.streetNo ?? '',
    postalCode: address?.postalCode ?? '',
    city: address?.city ?? '',
    country: '',
    countryID: '',
  };
}

function genInvoices(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'invoices');
  const out: Row[] = [];
  for (const [i, id] of idSequence(rng, 300, ctx.counts.invoices).entries()) {
    const date = day(rng);
    const net = intBetween(rng, 200, 9000);
    const party = documentParty(ctx, rng);
    out.push({
      invoiceID: id,
      invoiceNo: `${date.slice(2, 4)}-${pad(i + 1, 4)}`,
      invoiceNoAddition: '',
      invoiceName: '',
      invoiceHeadline: '',
      invoiceType: rng() < 0.9 ? 'Rechnung' : 'Gutschrift',
      invoiceDate: date,
      dateStart: date,
      dateEnd: dayAfter(rng, date, 30),
      freeServicePeriod: '',
      netValue: money(net),
      grossValue: money(net * 1.19),
      currency: 0,
      tax: '19.0',
      multipleTaxes: 0,
      invoiceDunningStatus: pick(rng, [0, 0, 0, 1]),
      paymentTargetDate: dayAfter(rng, date, 14),
      paymentDate: maybe(rng, 0.7, () => dayAfter(rng, date, 30)),
      cashDiscountRate: '2.0',
      paidCashDiscount: 0,
      cancelInvoiceID: null,
      isSent: rng() < 0.8 ? 1 : 0,
      sepaExport: 0,
      datevExport: rng() < 0.5 ? 1 : 0,
      invoiceComments: '',
      ...party,
      projectGroupID: null,
      invoiceEmail: '',
      standardSalutation: 0,
      firstName: pick(rng, FIRST),
      lastName: pick(rng, LAST),
      email: 'mm@test.example',
      username: 'Admin1',
      positions: documentPositions(rng, id * 10, false),
    });
  }
  return out;
}

function genQuotations(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'quotations');
  const out: Row[] = [];
  for (const id of idSequence(rng, 30, ctx.counts.quotations)) {
    const date = day(rng);
    const net = intBetween(rng, 200, 9000);
    out.push({
      quotationID: id,
      quotationName: '',
      quotationHeadline: '',
      quotationDate: date,
      netValue: money(net),
      grossValue: money(net * 1.19),
      currency: 0,
      tax: '19.0',
      multipleTaxes: 0,
      isSent: rng() < 0.7 ? 1 : 0,
      sentDate: null,
      ocSentDate: null,
      quotationComments: '',
      ...documentParty(ctx, rng),
      standardSalutation: 0,
      firstName: pick(rng, FIRST),
      lastName: pick(rng, LAST),
      email: 'muster@testfirma.example',
      username: 'Teamlead2',
      approved: rng() < 0.5 ? 1 : 0,
      positions: documentPositions(rng, id * 10, true),
    });
  }
  return out;
}

function genServiceTemplates(ctx: Ctx): Row[] {
  const rng = rngFor(ctx, 'servicetemplates');
  const out: Row[] = [];
  for (const id of idSequence(rng, 2, ctx.counts.servicetemplates)) {
    out.push({
      templateID: id,
      category: intBetween(rng, 1, 4),
      templateName: pick(rng, ['Website klein', 'Gestaltung einer Website (klein)', 'Flyer 4 Seiten', 'Logo-Entwicklung']),
      detail: '<p>Beratung bei Konzeption und Struktur der Website.</p>\r\n<p><strong>Zeitbedarf</strong>: ca. 4 Std.</p>',
      detail_lang1: rng() < 0.5 ? '<p>Design of a website: approx. 12 hrs</p>' : '',
      quantity: money(intBetween(rng, 1, 12)),
      unit: '',
      unit_lang1: '',
      netValue: money(pick(rng, [90, 95])),
      additionalCharge1: '0.00',
      additionalCharge2: '0.00',
      advancePaymentTemplate: 0,
      noCustomerDiscount: 0,
      hourlyRateService: rng() < 0.5 ? 1 : 0,
      serviceTemplateViaApi: rng() < 0.3 ? 1 : 0,
    });
  }
  return out;
}

const GENERATORS: readonly [ResourceName, string, (ctx: Ctx) => Row[]][] = [
  ['users', 'userID', genUsers],
  ['customers', 'customerID', genCustomers],
  ['addresses', 'addressID', genAddresses],
  ['contacts', 'contactID', genContacts],
  ['projecttimecategories', 'category', genCategories],
  ['projects', 'projectID', genProjects],
  ['projecttasks', 'taskID', genTasks],
  ['projecttimes', 'timeID', genTimes],
  ['externalcosts', 'documentID', genExternalCosts],
  ['workingtimes', 'workingTimeID', genWorkingTimes],
  ['crmevents', 'eventID', genCrmEvents],
  ['invoices', 'invoiceID', genInvoices],
  ['quotations', 'quotationID', genQuotations],
  ['servicetemplates', 'templateID', genServiceTemplates],
];

/** Every resource's table for these options; the same seed and counts give the same records. */
export function generateTables(options: GeneratorOptions): Record<ResourceName, Table> {
  const ctx: Ctx = { seed: options.seed >>> 0, counts: options.counts, tables: {} };
  for (const [name, pk, gen] of GENERATORS) ctx.tables[name] = table(name, gen(ctx), pk);
  return ctx.tables as Record<ResourceName, Table>;
}
