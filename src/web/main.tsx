import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { CartScreen } from './components/CartScreen.js';
import { Dashboard } from './components/Dashboard.js';
import { ShopperApp } from './components/ShopperApp.js';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
const under = (prefix: string) => location.pathname === prefix || location.pathname.startsWith(`${prefix}/`);
const page = under('/app') ? 'shopper' : under('/cart') ? 'cart' : 'dashboard';
document.title = page === 'shopper' ? 'Walkout' : page === 'cart' ? 'Walkout cart' : 'Walkout operator';
createRoot(root).render(
  <StrictMode>
    {page === 'shopper' ? <ShopperApp /> : page === 'cart' ? <CartScreen /> : <Dashboard />}
  </StrictMode>,
);
