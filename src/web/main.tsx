import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { Dashboard } from './components/Dashboard.js';
import { ShopperApp } from './components/ShopperApp.js';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
const shopper = location.pathname === '/app' || location.pathname.startsWith('/app/');
document.title = shopper ? 'Walkout' : 'Walkout operator';
createRoot(root).render(<StrictMode>{shopper ? <ShopperApp /> : <Dashboard />}</StrictMode>);
