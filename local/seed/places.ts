/** Countries, cities and the shapes of their postcodes and phone numbers. */

export interface CountrySeed {
  readonly country: string;
  readonly cities: readonly string[];
  readonly districts: readonly string[];
  /** '#' is a digit, 'A' an upper-case letter; anything else is kept. */
  readonly postcode: string;
  readonly phone: string;
}

export const COUNTRIES: readonly CountrySeed[] = [
  {
    country: 'United Kingdom',
    cities: ['Manchester', 'Leeds', 'Bristol', 'Glasgow', 'Cardiff', 'Norwich'],
    districts: [
      'Greater Manchester',
      'West Yorkshire',
      'Avon',
      'Lanarkshire',
      'Glamorgan',
      'Norfolk',
    ],
    postcode: 'A## #AA',
    phone: '0### ######',
  },
  {
    country: 'Ireland',
    cities: ['Dublin', 'Cork', 'Galway', 'Limerick'],
    districts: ['Leinster', 'Munster', 'Connacht'],
    postcode: 'A## A#A#',
    phone: '+353 # ### ####',
  },
  {
    country: 'France',
    cities: ['Paris', 'Lyon', 'Marseille', 'Lille', 'Nantes'],
    districts: ['Île-de-France', 'Auvergne-Rhône-Alpes', 'Hauts-de-France'],
    postcode: '#####',
    phone: '+33 # ## ## ## ##',
  },
  {
    country: 'Germany',
    cities: ['Berlin', 'Hamburg', 'München', 'Köln', 'Leipzig'],
    districts: ['Bayern', 'Sachsen', 'Nordrhein-Westfalen'],
    postcode: '#####',
    phone: '+49 ### #######',
  },
  {
    country: 'Spain',
    cities: ['Madrid', 'Barcelona', 'Valencia', 'Sevilla', 'Bilbao'],
    districts: ['Cataluña', 'Andalucía', 'País Vasco'],
    postcode: '#####',
    phone: '+34 ### ### ###',
  },
  {
    country: 'Italy',
    cities: ['Milano', 'Roma', 'Torino', 'Bologna', 'Napoli'],
    districts: ['Lombardia', 'Lazio', 'Piemonte'],
    postcode: '#####',
    phone: '+39 ## #### ####',
  },
  {
    country: 'Netherlands',
    cities: ['Amsterdam', 'Rotterdam', 'Utrecht', 'Eindhoven'],
    districts: ['Noord-Holland', 'Zuid-Holland', 'Utrecht'],
    postcode: '#### AA',
    phone: '+31 ## ### ####',
  },
  {
    country: 'Sweden',
    cities: ['Stockholm', 'Göteborg', 'Malmö', 'Uppsala'],
    districts: ['Stockholms län', 'Skåne', 'Västra Götaland'],
    postcode: '### ##',
    phone: '+46 ## ### ## ##',
  },
  {
    country: 'Switzerland',
    cities: ['Zürich', 'Genève', 'Basel', 'Bern'],
    districts: ['Zürich', 'Vaud', 'Bern'],
    postcode: '####',
    phone: '+41 ## ### ## ##',
  },
  {
    country: 'Poland',
    cities: ['Warszawa', 'Kraków', 'Gdańsk', 'Wrocław'],
    districts: ['Mazowieckie', 'Małopolskie', 'Pomorskie'],
    postcode: '##-###',
    phone: '+48 ### ### ###',
  },
  {
    country: 'United States',
    cities: ['New York', 'Chicago', 'Austin', 'Seattle', 'Denver', 'Boston'],
    districts: ['New York', 'Illinois', 'Texas', 'Washington', 'Colorado', 'Massachusetts'],
    postcode: '#####',
    phone: '+1 ###-###-####',
  },
  {
    country: 'Canada',
    cities: ['Toronto', 'Montréal', 'Vancouver', 'Calgary'],
    districts: ['Ontario', 'Québec', 'British Columbia', 'Alberta'],
    postcode: 'A#A #A#',
    phone: '+1 ###-###-####',
  },
  {
    country: 'Australia',
    cities: ['Sydney', 'Melbourne', 'Brisbane', 'Perth'],
    districts: ['New South Wales', 'Victoria', 'Queensland'],
    postcode: '####',
    phone: '+61 # #### ####',
  },
  {
    country: 'Japan',
    cities: ['Tokyo', 'Osaka', 'Kyoto', 'Fukuoka'],
    districts: ['Kantō', 'Kansai', 'Kyūshū'],
    postcode: '###-####',
    phone: '+81 ##-####-####',
  },
  {
    country: 'India',
    cities: ['Mumbai', 'Bengaluru', 'Chennai', 'Pune'],
    districts: ['Maharashtra', 'Karnataka', 'Tamil Nadu'],
    postcode: '######',
    phone: '+91 ##### #####',
  },
  {
    country: 'Brazil',
    cities: ['São Paulo', 'Rio de Janeiro', 'Curitiba', 'Recife'],
    districts: ['São Paulo', 'Paraná', 'Pernambuco'],
    postcode: '#####-###',
    phone: '+55 ## #####-####',
  },
  {
    country: 'South Africa',
    cities: ['Cape Town', 'Johannesburg', 'Durban', 'Pretoria'],
    districts: ['Western Cape', 'Gauteng', 'KwaZulu-Natal'],
    postcode: '####',
    phone: '+27 ## ### ####',
  },
  {
    country: 'Mexico',
    cities: ['Ciudad de México', 'Guadalajara', 'Monterrey', 'Puebla'],
    districts: ['Jalisco', 'Nuevo León', 'Puebla'],
    postcode: '#####',
    phone: '+52 ## #### ####',
  },
  {
    country: 'New Zealand',
    cities: ['Auckland', 'Wellington', 'Christchurch', 'Dunedin'],
    districts: ['Auckland', 'Canterbury', 'Otago'],
    postcode: '####',
    phone: '+64 # ### ####',
  },
  {
    country: 'Turkey',
    cities: ['İstanbul', 'Ankara', 'İzmir', 'Bursa'],
    districts: ['Marmara', 'İç Anadolu', 'Ege'],
    postcode: '#####',
    phone: '+90 ### ### ## ##',
  },
];

export const STREET_NAMES = [
  'High',
  'Station',
  'Church',
  'Mill',
  'Market',
  'Park',
  'Victoria',
  'King',
  'Queen',
  'Bridge',
  'Harbour',
  'Orchard',
  'Meadow',
  'Granary',
  'Weaver',
  'Cotton',
  'Canal',
  'Chapel',
  'Elm',
  'Linden',
] as const;

export const STREET_KINDS = ['Street', 'Road', 'Lane', 'Avenue', 'Way', 'Place', 'Row'] as const;

export const SECOND_LINES = ['Unit', 'Suite', 'Floor', 'Building', 'Warehouse', 'Block'] as const;
